"""The `portal` command: migrate, demo (idempotent), outbox, serve."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from portal.cli import main
from portal.core.notify import send_email


@pytest.fixture
def env(monkeypatch, tmp_path, database_url):
    """A fresh data folder; the session's database (a fresh SQLite file for SQLite)."""
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    if database_url.startswith("sqlite"):
        monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)
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
    assert "demo help points: 0 added or updated" in second
    assert (env / "master.key").exists()


def test_outbox_prints_the_newest_messages(env, capsys):
    assert main(["outbox"]) == 0
    assert "The outbox is empty" in capsys.readouterr().out
    send_email(env / "outbox", "jeanne@example.org", "Votre code d'activation", "Votre code : 4821-7730")
    send_email(env / "outbox", "paul@example.org", "Un nouveau message", "Connectez-vous pour le lire.")
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


def test_serve_starts_workers_on_the_port_asked(env, database_url):
    port = _free_port()
    environ = {**os.environ, "PORTAL_DATA_DIR": str(env)}
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
