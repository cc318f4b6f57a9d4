"""Voice commands: sentence templates compiled into a grammar, matched against what the
recognizer heard, giving an intent, its slots and a confidence (issue 7)."""
