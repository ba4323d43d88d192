"""The data folder is its owner's only, whatever the umask: folders 700, files 600 (the
database and the files SQLite keeps beside it, the master key, the outbox); `portal serve`
refuses to start when other users may read or change any of them."""

from __future__ import annotations

import json
import logging
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from portal.accounts.identity import nir_key
from portal.cli import main
from portal.core import crypto
from portal.settings import PROJECT_ROOT
from tests.integration.core.test_cli import _free_port, running_portal, serve_environment

# Run in a process of its own, with the umask under test: what the portal's commands make
# (`portal invite` makes the folder, the database, the key and an email in the outbox), then
# the files SQLite makes beside the database while a connection has it open.
CHILD = r"""
import json, os, sqlite3, stat, sys
from pathlib import Path
from portal.cli import main

assert main(sys.argv[1:]) == 0, "portal invite failed"
data = Path(os.environ["PORTAL_DATA_DIR"])
database = sqlite3.connect(data / "portal.sqlite")
database.execute("SELECT count(*) FROM migration").fetchone()
modes = {
    str(path.relative_to(data)): stat.S_IMODE(path.stat().st_mode)
    for path in [data, *sorted(data.rglob("*"))]
}
database.close()
print(json.dumps(modes))
"""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _invite_arguments() -> list[str]:
    nir = "2410375" + "".join(secrets.choice("0123456789") for _ in range(6))
    return [
        "invite",
        *("--family-name", "Martin", "--given-names", "Jeanne", "--birth-date", "1941-03-27"),
        *("--nir", nir + nir_key(nir), "--email", "jeanne@example.org"),
    ]


@pytest.mark.parametrize("umask", [0o022, 0o000], ids=["umask-022", "umask-000"])
def test_what_the_portal_writes_in_its_data_folder_is_its_owner_s_only(tmp_path, umask):
    data = tmp_path / "data"
    environ = serve_environment(data)
    made = subprocess.run(
        [sys.executable, "-c", CHILD, *_invite_arguments()],
        env=environ,
        cwd=PROJECT_ROOT,
        umask=umask,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    modes = json.loads(made.stdout.strip().splitlines()[-1])
    emails = [name for name in modes if name.startswith("outbox/")]
    assert len(emails) == 1 and emails[0].endswith(".eml")
    assert modes == {
        ".": 0o700,
        "master.key": 0o600,
        "portal.sqlite": 0o600,
        "portal.sqlite-wal": 0o600,
        "portal.sqlite-shm": 0o600,
        "outbox": 0o700,
        emails[0]: 0o600,
    }
    # And `portal serve`, under the same umask, finds nothing to refuse and keeps it so.
    with running_portal(environ, tmp_path / "serve.log", umask=umask) as served:
        assert httpx.get(f"{served.base_url}/healthz").status_code == 200
    assert _mode(data) == 0o700 and _mode(data / "portal.sqlite") == 0o600


def test_serve_makes_a_new_data_folder_its_owner_s_only_under_an_open_umask(tmp_path):
    data = tmp_path / "new" / "data"
    with running_portal(serve_environment(data), tmp_path / "serve.log", umask=0o000) as served:
        assert httpx.get(f"{served.base_url}/healthz").status_code == 200
    assert _mode(data) == 0o700
    assert _mode(data / "master.key") == 0o600 and _mode(data / "portal.sqlite") == 0o600


@pytest.fixture
def data_folder(tmp_path, monkeypatch):
    """A data folder made by `portal migrate` and the master key, as a first start makes them."""
    data = tmp_path / "data"
    monkeypatch.setenv("PORTAL_DATA_DIR", str(data))
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    monkeypatch.delenv("PORTAL_MASTER_KEY", raising=False)
    monkeypatch.delenv("PORTAL_MASTER_KEY_FILE", raising=False)
    assert main(["migrate"]) == 0
    crypto.load_or_create_master_key(data)
    assert _mode(data) == 0o700
    return data


@pytest.mark.parametrize(
    ("name", "mode", "command"),
    [
        ("portal.sqlite", 0o644, "chmod 600"),
        ("portal.sqlite", 0o604, "chmod 600"),
        ("master.key", 0o640, "chmod 600"),
        (".", 0o755, "chmod 700"),
    ],
    ids=["database-644", "database-604", "master-key-640", "folder-755"],
)
def test_serve_refuses_to_start_when_others_may_reach_the_data(data_folder, caplog, name, mode, command):
    path = (data_folder / name).resolve()
    path.chmod(mode)
    served = subprocess.run(
        [sys.executable, "-m", "portal.cli", "serve", "--port", str(_free_port())],
        env=serve_environment(data_folder),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert served.returncode == 2
    assert served.stderr.splitlines() == [
        f"portal serve: other users may read or change {path} (mode {mode:o}); run: {command} {path}"
    ]
    assert "listening" not in served.stdout + served.stderr
    # Other commands go on, and say it.
    with caplog.at_level(logging.WARNING, logger="portal"):
        assert main(["migrate"]) == 0
    assert f"other users may read or change {path} (mode {mode:o}); run: {command} {path}" in caplog.text


def test_the_refusal_names_every_file_and_one_command_for_all(data_folder, capsys):
    (data_folder / "portal.sqlite").chmod(0o644)
    (data_folder / "master.key").chmod(0o644)
    data_folder.chmod(0o750)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"portal serve: other users may read or change {data_folder} (mode 750), "
        f"{data_folder / 'master.key'} (mode 644), {data_folder / 'portal.sqlite'} (mode 644); "
        f"run: chmod 700 {data_folder} && chmod 600 {data_folder / 'master.key'} "
        f"{data_folder / 'portal.sqlite'}\n"
    )
