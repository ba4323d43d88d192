"""The master key lives outside the database: a 0600 key file made on first start."""

from __future__ import annotations

import base64
import logging
import stat

import pytest

from portal.core.crypto import MasterKeyError, derive_key, load_or_create_master_key


def test_a_key_file_is_made_on_first_start_readable_by_its_owner_only(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="portal.core.crypto"):
        key = load_or_create_master_key(tmp_path / "data")
    path = tmp_path / "data" / "master.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) == 32
    assert "created a new master key file" in caplog.text and str(path) in caplog.text
    assert base64.b64encode(key).decode() not in caplog.text


def test_the_key_file_is_read_again_on_the_next_start(tmp_path, caplog):
    first = load_or_create_master_key(tmp_path)
    caplog.clear()
    assert load_or_create_master_key(tmp_path) == first
    assert "created" not in caplog.text


def test_a_configured_key_wins_and_no_file_is_made(tmp_path):
    configured = base64.b64encode(b"k" * 32).decode()
    assert load_or_create_master_key(tmp_path, configured) == b"k" * 32
    assert not (tmp_path / "master.key").exists()


@pytest.mark.parametrize("bad", ["not base64!", base64.b64encode(b"short").decode()])
def test_a_malformed_key_is_refused(tmp_path, bad):
    with pytest.raises(MasterKeyError):
        load_or_create_master_key(tmp_path, bad)


def test_a_key_file_readable_by_others_is_reported(tmp_path, caplog):
    load_or_create_master_key(tmp_path)
    (tmp_path / "master.key").chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="portal.core.crypto"):
        load_or_create_master_key(tmp_path)
    assert "readable by others" in caplog.text


def test_derived_keys_differ_by_purpose():
    master = b"m" * 32
    assert derive_key(master, "csrf") != derive_key(master, "blind-index")
    assert derive_key(master, "csrf") == derive_key(master, "csrf")


def test_a_wrapped_key_opens_only_with_its_master_key_and_under_its_own_id():
    from portal.core.crypto import MasterKeyError, unwrap_key, wrap_key

    master, data_key = b"m" * 32, b"d" * 32
    wrapped = wrap_key(master, "aa" * 16, data_key)
    assert unwrap_key(master, "aa" * 16, wrapped) == data_key
    with pytest.raises(MasterKeyError):
        unwrap_key(b"n" * 32, "aa" * 16, wrapped)
    with pytest.raises(MasterKeyError):
        unwrap_key(master, "bb" * 16, wrapped)


def test_something_that_is_not_a_sealed_value_is_refused():
    from portal.core.crypto import Place, SealedValueError, open_sealed

    with pytest.raises(SealedValueError):
        open_sealed(b"k" * 32, Place("t", "c", "1", "s"), b"\x02" + b"x" * 40)
    with pytest.raises(SealedValueError):
        open_sealed(b"k" * 32, Place("t", "c", "1", "s"), b"\x01short")


def test_a_signed_value_comes_back_only_unchanged_and_for_its_own_purpose():
    from portal.core.crypto import read_signed, sign_value

    master = b"m" * 32
    value = sign_value(master, "activation", "abc.123")
    assert read_signed(master, "activation", value) == "abc.123"
    assert read_signed(master, "sign-in", value) is None
    assert read_signed(b"n" * 32, "activation", value) is None
    assert read_signed(master, "activation", value.replace("123", "124")) is None
    assert read_signed(master, "activation", "é" + value) is None  # a forged cookie never crashes
    assert read_signed(master, "activation", None) is None
    assert read_signed(master, "activation", "x" * 500) is None
