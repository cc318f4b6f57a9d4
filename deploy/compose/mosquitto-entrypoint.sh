#!/bin/sh
# Install the broker's files from /broker ('python -m hub broker init') where
# deploy/mosquitto/quorum.conf expects them, as deploy/mosquitto/README.md does by hand, then
# run Mosquitto with Debian's main file. The accounts file is copied only the first time: the
# plugin keeps it up to date in the mosquitto-data volume from then on.
set -eu
for file in ca.crt server.crt server.key crl.pem dynamic-security.json; do
    [ -f "/broker/$file" ] || {
        echo "/broker/$file is missing: run python -m hub broker init first (docs/operations.md)" >&2
        exit 1
    }
done
install -d -o root -g mosquitto -m 0750 /etc/mosquitto/quorum
install -o root -g mosquitto -m 0644 /broker/ca.crt /broker/server.crt /broker/crl.pem /etc/mosquitto/quorum/
install -o root -g mosquitto -m 0640 /broker/server.key /etc/mosquitto/quorum/
if [ ! -f /var/lib/mosquitto/quorum-dynsec.json ]; then
    install -o mosquitto -g mosquitto -m 0600 /broker/dynamic-security.json /var/lib/mosquitto/quorum-dynsec.json
fi
install -d -o mosquitto -g mosquitto /run/mosquitto
exec /usr/sbin/mosquitto -c /etc/mosquitto/mosquitto.conf
