"""The `portal` command: migrate, demo (idempotent), outbox, serve."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from portal.cli import main
from portal.core.crypto import Place
from portal.core.notify import write_email_to_outbox
from portal.settings import PROJECT_ROOT
from tests.conftest import TEST_MASTER_KEY


@pytest.fixture
def env(monkeypatch, tmp_path, database_url):
    """A fresh data folder; the session's database (a fresh SQLite file for SQLite)."""
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    if database_url.startswith("sqlite"):
        monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
        monkeypatch.delenv("PORTAL_MASTER_KEY", raising=False)
    else:
        monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)
        # The session's database holds keys wrapped by the tests' master key.
        monkeypatch.setenv("PORTAL_MASTER_KEY", base64.b64encode(TEST_MASTER_KEY).decode())
    return tmp_path / "data"


def test_migrate_brings_a_new_database_up_to_date(env, capsys):
    assert main(["migrate"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["migrate"]) == 0


def test_demo_loads_the_demo_data_once_however_often_it_runs(env, capsys, database_url):
    assert main(["demo"]) == 0
    first = capsys.readouterr().out
    assert main(["demo"]) == 0
    second = capsys.readouterr().out
    if database_url.startswith("sqlite"):
        assert "demo help points: 12 added or updated" in first
        assert "demo people: 6 added or updated" in first
        assert "demo documents: 4 added or updated" in first
        assert "demo conversations: 1 added or updated" in first
        assert (env / "master.key").exists()
    assert "demo help points: 0 added or updated" in second
    assert "demo people: 0 added or updated" in second
    assert "demo documents: 0 added or updated" in second
    assert "demo conversations: 0 added or updated" in second
    assert "demo profile entries: 0 added or updated" in second
    assert "demo agenda items: 0 added or updated" in second
    assert "demo notes: 0 added or updated" in second


def _nir(first: str) -> str:
    from portal.accounts.identity import nir_key

    return first + nir_key(first)


def test_represent_records_a_legal_representative_for_every_area(env, capsys):
    import secrets

    child_nir = _nir("1140575" + "".join(secrets.choice("0123456789") for _ in range(6)))
    parent_nir = _nir("2780375" + "".join(secrets.choice("0123456789") for _ in range(6)))
    for given, born, nir in (("Lucas", "2014-05-01", child_nir), ("Claire", "1978-03-27", parent_nir)):
        email = f"{given.lower()}.{secrets.token_hex(4)}@example.org"
        args = ["invite", "--family-name", "Dupont", "--given-names", given, "--birth-date", born]
        assert main([*args, "--nir", nir, "--email", email]) == 0
    capsys.readouterr()
    assert (
        main(
            [
                "represent",
                "--child-nir",
                child_nir,
                "--representative-nir",
                parent_nir,
                "--until",
                "2032-05-01",
            ]
        )
        == 0
    )
    assert "until 2032-05-01" in capsys.readouterr().out
    # Unknown people, a bad date, oneself: a plain message and exit code 2.
    assert main(["represent", "--child-nir", _nir("1990175123456"), "--representative-nir", parent_nir]) == 2
    assert (
        main(["represent", "--child-nir", child_nir, "--representative-nir", parent_nir, "--until", "soon"])
        == 2
    )
    assert main(["represent", "--child-nir", child_nir, "--representative-nir", child_nir]) == 2
    assert "own legal representative" in capsys.readouterr().err


def test_outbox_prints_the_newest_messages(env, capsys):
    assert main(["outbox"]) == 0
    assert "The outbox is empty" in capsys.readouterr().out
    write_email_to_outbox(
        env / "outbox", "jeanne@example.org", "Votre code d'activation", "Votre code : 4821-7730"
    )
    write_email_to_outbox(
        env / "outbox", "paul@example.org", "Un nouveau message", "Connectez-vous pour le lire."
    )
    assert main(["outbox", "-n", "1"]) == 0
    out = capsys.readouterr().out
    assert "paul@example.org" in out and "jeanne@example.org" not in out
    assert main(["outbox"]) == 0
    out = capsys.readouterr().out
    assert out.index("paul@example.org") < out.index("jeanne@example.org")
    assert "Votre code : 4821-7730" in out


def test_a_bad_setting_is_a_plain_message_and_exit_code_2(monkeypatch, capsys):
    monkeypatch.setenv("PORTAL_PORT", "eighty")
    assert main(["migrate"]) == 2
    assert "PORTAL_PORT must be a whole number" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_environment(data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a `portal serve` with its own SQLite data folder: none of the
    test run's PORTAL_* variables, nor uvicorn's FORWARDED_ALLOW_IPS, unless given."""
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("PORTAL_") and name != "FORWARDED_ALLOW_IPS"
    }
    return {**environ, "PORTAL_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", **settings}


@dataclass
class Served:
    """A `portal serve` started by ``running_portal``; its console output is in ``log_path``."""

    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def running_portal(
    environ: dict[str, str],
    log_path: Path,
    *,
    umask: int = -1,
    preexec_fn: Callable[[], None] | None = None,
) -> Iterator[Served]:
    """`portal serve` on a free port, as a process of its own, until the block ends.

    It is ready when /healthz answers (whatever the answer)."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "portal.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=environ,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            umask=umask,
            preexec_fn=preexec_fn,
        )
    served = Served(base_url, process, log_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base_url}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    pytest.fail(f"`portal serve` stopped ({process.returncode}):\n{served.log()}")
                if time.monotonic() > deadline:
                    pytest.fail(f"`portal serve` did not answer in 60 s:\n{served.log()}")
                time.sleep(0.1)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_serve_starts_workers_on_the_port_asked(env, database_url):
    port = _free_port()
    environ = {**os.environ, "PORTAL_DATA_DIR": str(env)}
    environ.pop("PORTAL_MASTER_KEY", None)  # the home page opens no key: a new key file will do
    if database_url.startswith("sqlite"):
        environ.pop("PORTAL_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "serve", "--port", str(port), "--workers", "2"],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode()
                assert time.monotonic() < deadline, "the portal did not start"
                time.sleep(0.2)
        assert response.status_code == 200 and '<html lang="fr"' in response.text
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0].decode()
    assert Path(env / "master.key").exists()
    assert "created a new master key file" in output
    assert "2 workers" in output


def _with_keyring(action):
    """Run ``action(keyring)`` with the master key the environment gives, as the portal would."""
    import asyncio

    from portal.core import crypto, db
    from portal.core.keys import Keyring
    from portal.settings import Settings

    settings = Settings.from_env()
    master = crypto.load_or_create_master_key(settings.data_dir, settings.master_key)

    async def run():
        engine = db.engine_for(settings)
        await db.migrate(engine)
        async with engine.transaction():
            return await action(Keyring(master))

    return asyncio.run(run())


def _seal(subject):
    return _with_keyring(
        lambda keyring: keyring.seal(Place("patient", "family_name", "1", subject), "Dupont")
    )


def _open(subject, sealed):
    return _with_keyring(lambda keyring: keyring.open(Place("patient", "family_name", "1", subject), sealed))


def test_keys_rotate_replaces_the_key_file_and_every_value_still_opens(env, capsys, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the session's PostgreSQL database holds other tests' keys")
    sealed = _seal("patient:rotate-1")
    old_key = (env / "master.key").read_text()
    assert main(["keys", "rotate"]) == 0
    out = capsys.readouterr().out
    assert "data keys now wrapped by the new master key" in out
    assert (env / "master.key").read_text() != old_key
    assert (env / "master.key.previous").read_text() == old_key
    assert oct((env / "master.key").stat().st_mode & 0o777) == "0o600"
    assert not (env / "master.key.next").exists()
    assert _open("patient:rotate-1", sealed) == "Dupont"


def test_keys_rotate_with_a_key_from_the_environment_needs_the_new_key(
    env, capsys, monkeypatch, tmp_path, database_url
):
    if not database_url.startswith("sqlite"):
        pytest.skip("the session's PostgreSQL database holds other tests' keys")
    import base64
    import secrets

    monkeypatch.setenv("PORTAL_MASTER_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
    sealed = _seal("patient:rotate-2")
    assert main(["keys", "rotate"]) == 2
    assert "--new-key-file" in capsys.readouterr().err
    new_key = tmp_path / "new.key"
    new_key.write_text(base64.b64encode(secrets.token_bytes(32)).decode())
    assert main(["keys", "rotate", "--new-key-file", str(new_key)]) == 0
    monkeypatch.delenv("PORTAL_MASTER_KEY")
    monkeypatch.setenv("PORTAL_MASTER_KEY_FILE", str(new_key))
    assert _open("patient:rotate-2", sealed) == "Dupont"


def test_an_interrupted_rotation_completes_when_run_again(env, capsys, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the session's PostgreSQL database holds other tests' keys")
    import asyncio

    from portal.commands.keys import _rewrap
    from portal.core import crypto
    from portal.settings import Settings

    sealed = _seal("patient:rotate-3")
    settings = Settings.from_env()
    old = crypto.load_or_create_master_key(settings.data_dir)
    # the keys were re-wrapped, then the command stopped before swapping the key files
    asyncio.run(_rewrap(settings, old, crypto.stage_next_master_key(settings.data_dir)))
    assert main(["keys", "rotate"]) == 0
    assert "0 data keys now wrapped" in capsys.readouterr().out
    assert _open("patient:rotate-3", sealed) == "Dupont"


def test_tasks_run_once_and_say_what_they_did(env, capsys):
    assert main(["tasks"]) == 0
    assert "empty the document bin: 0 documents erased after 30 days in the bin" in capsys.readouterr().out
    assert main(["tasks"]) == 0


def test_reports_prints_what_people_reported_about_services(env, capsys, database_url):
    from portal.catalogue.entries import catalogue
    from portal.catalogue.services import report

    if database_url.startswith("sqlite"):  # a fresh database: nobody reported anything yet
        assert main(["reports"]) == 0
        assert "No report about a service." in capsys.readouterr().out
    _with_keyring(lambda keyring: report(keyring, catalogue()["glyco-suivi"], "not_accessible", "Trop petit"))
    assert main(["reports", "-n", "1"]) == 0
    out = capsys.readouterr().out
    assert "glyco-suivi  not_accessible" in out and "    Trop petit" in out
