"""Terminals' broker credentials (issue 10): certificates (pki, crl), the broker's accounts
and roles (dynsec, broker_accounts), provisioning and revocation, and their command line."""
