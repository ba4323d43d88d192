"""The outbox: each email an .eml file, mode 600, read back newest first."""

from __future__ import annotations

import stat

from portal.core.notify import read_outbox, write_email_to_outbox


def test_an_email_is_written_to_the_outbox_for_its_owner_only(tmp_path):
    path = write_email_to_outbox(
        tmp_path / "outbox", "jeanne@example.org", "Votre code", "Votre code : 123456"
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"From: ")


def test_the_outbox_reads_newest_first_and_limits(tmp_path):
    for number in range(4):
        write_email_to_outbox(tmp_path, f"p{number}@example.org", f"Message {number}", f"Corps {number} é")
    messages = read_outbox(tmp_path, limit=2)
    assert [m.subject for m in messages] == ["Message 3", "Message 2"]
    assert messages[0].to == "p3@example.org"
    assert messages[0].body.strip() == "Corps 3 é"


def test_an_empty_or_missing_outbox_reads_as_nothing(tmp_path):
    assert read_outbox(tmp_path / "missing") == []
