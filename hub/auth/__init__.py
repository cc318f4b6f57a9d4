"""Who is calling and what they may see: API tokens, roles and department scoping.

- :mod:`hub.auth.roles`: the roles and which role may use which kind of endpoint.
- :mod:`hub.auth.tokens`: issuing, hashing and checking bearer tokens (and their kinds).
- :mod:`hub.auth.refresh`: short-lived access tokens with rotating refresh tokens.
- :mod:`hub.auth.offboarding`: deactivating a user and everything that acts for them.
- :mod:`hub.auth.users`: creating users and the bootstrap admin (API and CLI share it).
- :mod:`hub.auth.scope`: the one place that decides which rooms, desks and devices
  a caller may see.
- :mod:`hub.auth.passwords`: Argon2id passwords for the web dashboard's sign-in.
- :mod:`hub.auth.attempts`: rate limits on signing in (per account and address), built on
  :mod:`hub.auth.ratelimit`.
- :mod:`hub.auth.cli`: ``python -m hub users deactivate|activate``.
- :mod:`hub.auth.cookies`: the dashboard's session cookie and its CSRF value.
- :mod:`hub.auth.dependencies`: the FastAPI dependencies built on the above.
"""
