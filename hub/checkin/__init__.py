"""Check-in and release of bookings, decided from what the sensors saw (issue 4).

``rules`` is the pure logic (what should an occurrence's state be, given the evidence);
``engine`` applies it to the database on every tick; ``actions`` are what people do
(check in, release) through the API, a door display or a voice command; ``notify``
delivers the notices the decisions leave in the outbox. docs/checkin.md explains it.
"""
