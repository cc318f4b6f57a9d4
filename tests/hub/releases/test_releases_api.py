"""The release download endpoint (a token in the URL, no account) and the admin's view of
releases and rollouts, through the real app."""

import hashlib
import sys
from pathlib import Path

from sqlalchemy import update

from contract.update_commands import decode_update_command
from hub.db.models import Device
from hub.releases.downloads import MAX_DOWNLOADS
from hub.releases.rollouts import RolloutRequest, create_rollout
from hub.releases.round import run_round
from hub.releases.store import add_release

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from api_world import running_hub
from releases_builders import make_wheel


def test_a_terminal_downloads_its_release_with_the_token_of_its_command(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path)
    with running_hub(tmp_path, releases_dir=tmp_path / "releases") as hub:
        sent: list[bytes] = []
        with hub.session() as session:
            session.execute(update(Device).values(online=True, software_version="0.1.0"))
            now = hub.clock.now()
            add_release(session, wheel, tmp_path / "releases", now=now, actor="t")
            create_rollout(session, RolloutRequest("0.2.0", canary=1), now=now, actor="t")
            run_round(session, now, lambda r, d, t, p: sent.append(p) or True, "http://testserver")
        url = decode_update_command(sent[0]).url
        assert url.startswith("http://testserver/releases/download/")

        got = hub.client.get(url)
        assert got.status_code == 200
        assert (
            hashlib.sha256(got.content).hexdigest()
            == hashlib.sha256(wheel.read_bytes()).hexdigest()
        )
        assert got.headers["cache-control"] == "no-store"
        for _ in range(MAX_DOWNLOADS - 1):
            assert hub.client.get(url).status_code == 200
        assert hub.client.get(url).status_code == 404  # used up
        assert hub.client.get("/releases/download/" + "x" * 43).status_code == 404
        assert hub.client.get("/releases/download/short").status_code == 404

        releases = hub.ok("/releases")
        assert [r["version"] for r in releases] == ["0.2.0"]
        rollouts = hub.ok("/rollouts")
        assert rollouts[0]["state"] == "canary" and rollouts[0]["counts"]["sent"] == 1
        assert hub.ok(f"/rollouts/{rollouts[0]['id']}")["id"] == rollouts[0]["id"]
        assert hub.get("/rollouts/99").status_code == 404
