# Mosquitto from Debian 12's packages, so that deploy/mosquitto/quorum.conf applies unchanged
# (the dynamic-security plugin's path, Debian's main file with persistence and conf.d/).
FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends mosquitto \
    && rm -rf /var/lib/apt/lists/* \
    # quorum.conf names the plugin's amd64 path; on another architecture, link it there.
    && if [ ! -e /usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so ]; then \
         mkdir -p /usr/lib/x86_64-linux-gnu \
         && ln -s /usr/lib/*/mosquitto_dynamic_security.so /usr/lib/x86_64-linux-gnu/; \
       fi
COPY mosquitto-entrypoint.sh /usr/local/bin/quorum-mosquitto
EXPOSE 8883 8884
ENTRYPOINT ["/usr/local/bin/quorum-mosquitto"]
