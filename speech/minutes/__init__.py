"""Meeting minutes from a transcript: action items (task, owner, due date), decisions and
open questions, in English and Chinese, with rules that run on a Raspberry Pi."""
