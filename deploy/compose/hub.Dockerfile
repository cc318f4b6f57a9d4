# The Quorum hub (python -m hub serve) for deploy/compose/compose.yaml. Build context: the
# repository's root. Runs as the unprivileged user quorum (uid 10001); its data, the SQLite
# file if no PostgreSQL is configured and the bootstrap token, live in /var/lib/quorum.
FROM python:3.11-slim-bookworm

RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/quorum \
        --shell /usr/sbin/nologin quorum \
    && install -d -o quorum -g quorum -m 0750 /var/lib/quorum

WORKDIR /opt/quorum/src
COPY pyproject.toml README.md ./
COPY contract contract
COPY common common
COPY hub hub
# The hub uses speech's text parts (minutes rendering, dates); setuptools also packages the
# terminal's code, which the hub never imports.
COPY speech speech
COPY edge edge
COPY devtools devtools
RUN python -m venv /opt/quorum/venv \
    && /opt/quorum/venv/bin/pip install --no-cache-dir ".[hub,postgres]"

# So that 'docker compose run --rm hub python -m hub ...' uses the hub's environment.
ENV PATH=/opt/quorum/venv/bin:$PATH
USER quorum
WORKDIR /var/lib/quorum
EXPOSE 8080
CMD ["/opt/quorum/venv/bin/python", "-m", "hub", "serve"]
