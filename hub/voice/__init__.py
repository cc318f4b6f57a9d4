"""Voice commands: the hub carries out what terminals recognised and answers on ``cmd/voice``.

``store``: ingest of ``intent`` messages; ``actions``: intent -> handler; ``bookings`` and
``meeting``: the handlers; ``replies``: what the terminal says back; ``runner``: one
transaction per command, then the reply. See docs/voice-hub.md.
"""
