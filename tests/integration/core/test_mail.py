"""Outgoing email through a real SMTP server (aiosmtpd on 127.0.0.1), or to the outbox."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import logging
import socket
import ssl
from dataclasses import replace
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from portal.core import notify
from portal.core.notify import DeliveryError, read_outbox, send_email
from portal.settings import DEFAULT_MAIL_FROM, Settings, SettingsError, SmtpServer
from tests.smtp import Collector, free_port

# aiosmtpd warns about AUTH without TLS, which these tests do on purpose, on 127.0.0.1.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

SUBJECT = "Votre code d'activation : é"
BODY = "Bonjour,\n\nVotre code d'activation : é 4821 7730\nIl marche jusqu'au 3 mars 2027.\n"
USER, PASSWORD = "portal", "p@ss:w/rd%1"


def _text(message: EmailMessage) -> str:
    """The body as it was written (the wire has CRLF line ends)."""
    return str(message.get_content()).replace("\r\n", "\n")


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


def _settings(tmp_path: Path, url: str | None = None, **env: str) -> Settings:
    values = {"PORTAL_DATA_DIR": str(tmp_path / "data"), **env}
    if url is not None:
        values["PORTAL_SMTP_URL"] = url
    return Settings.from_env(values)


@pytest.fixture
def certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ssl.SSLContext, Path]:
    """A self-signed certificate for 127.0.0.1: the server's TLS context and the cert file."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file


async def test_an_email_reaches_the_mail_server_with_its_sender_recipient_subject_and_body(
    smtp_server, tmp_path
):
    collector, port = smtp_server()
    settings = _settings(tmp_path, f"smtp://127.0.0.1:{port}")
    await send_email(settings, "jeanne@example.org", SUBJECT, BODY)

    message = collector.message()
    assert message["From"] == DEFAULT_MAIL_FROM
    assert message["To"] == "jeanne@example.org"
    assert message["Subject"] == SUBJECT
    assert _text(message) == BODY
    assert message["Message-ID"].endswith("@portal.invalid>")
    envelope = collector.envelopes[0]
    assert envelope.content.isascii()  # quoted-printable: any mail server takes it
    assert envelope.mail_from == "ne-pas-repondre@portal.invalid"
    assert envelope.rcpt_tos == ["jeanne@example.org"]
    # Nothing went to the outbox.
    assert read_outbox(settings.outbox_dir) == []


async def test_the_sender_comes_from_portal_mail_from(smtp_server, tmp_path):
    collector, port = smtp_server()
    sender = "Mon espace santé de la Creuse <bonjour@sante.example.org>"
    settings = _settings(tmp_path, f"smtp://127.0.0.1:{port}", PORTAL_MAIL_FROM=sender)
    await send_email(settings, "jeanne@example.org", "Un nouveau message", "Connectez-vous pour le lire. é")
    message = collector.message()
    assert parseaddr(message["From"]) == ("Mon espace santé de la Creuse", "bonjour@sante.example.org")
    assert collector.envelopes[0].mail_from == "bonjour@sante.example.org"
    assert message["Message-ID"].endswith("@sante.example.org>")


async def test_it_signs_in_to_a_server_that_asks_for_a_password(smtp_server, tmp_path):
    collector, port = smtp_server(authenticator=_authenticator, auth_required=True, auth_require_tls=False)
    settings = _settings(tmp_path, f"smtp://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{port}")
    assert settings.smtp is not None and settings.smtp.password == PASSWORD
    await send_email(settings, "jeanne@example.org", SUBJECT, BODY)
    assert _text(collector.message()) == BODY


async def test_the_server_url_may_come_from_a_file(smtp_server, tmp_path):
    collector, port = smtp_server(authenticator=_authenticator, auth_required=True, auth_require_tls=False)
    secret = tmp_path / "smtp-url"
    secret.write_text(f"smtp://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{port}\n")
    settings = _settings(tmp_path, PORTAL_SMTP_URL_FILE=str(secret))
    await send_email(settings, "jeanne@example.org", SUBJECT, BODY)
    assert len(collector.envelopes) == 1


async def test_a_wrong_password_is_a_delivery_error(smtp_server, tmp_path):
    collector, port = smtp_server(authenticator=_authenticator, auth_required=True, auth_require_tls=False)
    settings = _settings(tmp_path, f"smtp://{USER}:wrong@127.0.0.1:{port}")
    with pytest.raises(DeliveryError, match="user name or password"):
        await send_email(settings, "jeanne@example.org", SUBJECT, BODY)
    assert collector.envelopes == []


async def test_no_password_for_a_server_that_wants_one_is_a_delivery_error(smtp_server, tmp_path):
    _collector, port = smtp_server(authenticator=_authenticator, auth_required=True, auth_require_tls=False)
    with pytest.raises(DeliveryError, match="530"):
        await send_email(_settings(tmp_path, f"smtp://127.0.0.1:{port}"), "jeanne@example.org", SUBJECT, BODY)


async def test_a_refused_recipient_is_a_delivery_error(smtp_server, tmp_path):
    _collector, port = smtp_server(Collector(refuse_rcpt=True))
    with pytest.raises(DeliveryError, match="refused the recipient.*550"):
        await send_email(_settings(tmp_path, f"smtp://127.0.0.1:{port}"), "nobody@example.org", SUBJECT, BODY)


async def test_an_unreachable_server_is_a_delivery_error(tmp_path):
    settings = _settings(tmp_path, f"smtp://127.0.0.1:{free_port()}")
    with pytest.raises(DeliveryError, match="could not be reached"):
        await send_email(settings, "jeanne@example.org", SUBJECT, BODY)


async def test_a_silent_server_times_out_without_blocking_the_event_loop(tmp_path, monkeypatch):
    monkeypatch.setattr(notify, "SMTP_TIMEOUT", 0.5)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    with socket.socket() as listener:
        # Accepts connections (the backlog) and never says a word.
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        settings = _settings(tmp_path, f"smtp://127.0.0.1:{listener.getsockname()[1]}")
        ticker = asyncio.create_task(tick())
        try:
            with pytest.raises(DeliveryError, match="no answer within 0.5 seconds"):
                await send_email(settings, "jeanne@example.org", SUBJECT, BODY)
        finally:
            ticker.cancel()
    assert ticks >= 10


async def test_it_speaks_tls_from_the_start_with_smtps(smtp_server, tmp_path, certificate, monkeypatch):
    context, cert_file = certificate
    # aiosmtpd does not count TLS from the start as TLS for AUTH: it is, though.
    collector, port = smtp_server(
        ssl_context=context, authenticator=_authenticator, auth_required=True, auth_require_tls=False
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    settings = _settings(tmp_path, f"smtps://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{port}")
    await send_email(settings, "jeanne@example.org", SUBJECT, BODY)
    assert _text(collector.message()) == BODY


async def test_it_upgrades_to_tls_with_starttls(smtp_server, tmp_path, certificate, monkeypatch):
    context, cert_file = certificate
    collector, port = smtp_server(
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticator,
        auth_required=True,
        auth_require_tls=True,
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    url = f"smtp://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{port}?starttls=1"
    await send_email(_settings(tmp_path, url), "jeanne@example.org", SUBJECT, BODY)
    assert collector.message()["Subject"] == SUBJECT


async def test_an_untrusted_certificate_is_a_delivery_error(smtp_server, tmp_path, certificate):
    context, _cert_file = certificate
    collector, port = smtp_server(ssl_context=context)
    with pytest.raises(DeliveryError, match="TLS"):
        await send_email(
            _settings(tmp_path, f"smtps://127.0.0.1:{port}"), "jeanne@example.org", SUBJECT, BODY
        )
    assert collector.envelopes == []


async def test_the_body_is_never_logged(smtp_server, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    _collector, port = smtp_server()
    settings = _settings(tmp_path, f"smtp://127.0.0.1:{port}")
    await send_email(settings, "jeanne@example.org", SUBJECT, BODY)
    with pytest.raises(DeliveryError):
        await send_email(
            replace(settings, smtp=SmtpServer("127.0.0.1", free_port())), "j@example.org", "s", BODY
        )
    await send_email(replace(settings, smtp=None), "jeanne@example.org", SUBJECT, BODY)
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("portal"))
    assert "handed to the mail server" in ours and "not sent" in ours and "outbox" in ours
    # Nothing of the body nor the address (the code with its space: a message's id is digits,
    # and "4821" alone turned up in one by chance).
    for piece in ("4821 7730", "code d'activation", "Bonjour", "jeanne@example.org"):
        assert piece not in ours


async def test_without_a_mail_server_the_email_goes_to_the_outbox(tmp_path):
    settings = _settings(tmp_path, PORTAL_MAIL_FROM="Portail <portail@example.org>")
    assert settings.smtp is None
    await send_email(settings, "jeanne@example.org", SUBJECT, BODY)
    [message] = read_outbox(settings.outbox_dir)
    assert (message.to, message.subject, message.body.replace("\r\n", "\n")) == (
        "jeanne@example.org",
        SUBJECT,
        BODY,
    )
    assert message.path is not None and message.path.read_bytes().startswith(
        b"From: Portail <portail@example.org>"
    )


async def test_an_outbox_that_cannot_be_written_is_a_delivery_error(tmp_path):
    (tmp_path / "data").write_text("not a folder")
    with pytest.raises(DeliveryError, match="outbox"):
        await send_email(_settings(tmp_path), "jeanne@example.org", SUBJECT, BODY)


@pytest.mark.parametrize(
    ("url", "server"),
    [
        ("smtp://mail.example.org", SmtpServer("mail.example.org", 25, "none")),
        ("smtp://127.0.0.1:2525", SmtpServer("127.0.0.1", 2525, "none")),
        ("smtps://u:p@mail.example.org", SmtpServer("mail.example.org", 465, "implicit", "u", "p")),
        (
            "smtp://u:p%40s@mail.example.org?starttls=1",
            SmtpServer("mail.example.org", 587, "starttls", "u", "p@s"),
        ),
        ("smtp://u:p@localhost:25", SmtpServer("localhost", 25, "none", "u", "p")),
    ],
)
def test_the_server_url_is_read(url, server):
    assert SmtpServer.from_url(url) == server


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.example.org", "smtp:// or smtps://"),
        ("smtp://", "name the mail server"),
        ("smtp://mail.example.org:port", "bad port"),
        ("smtp://mail.example.org?tls=1", "unknown option"),
        ("smtp://mail.example.org?starttls=yes", "starttls must be 1 or 0"),
        ("smtps://mail.example.org?starttls=1", "already uses TLS"),
        ("smtp://user@mail.example.org?starttls=1", "both a user and a password"),
        ("smtp://user:pass@mail.example.org", "only sent over TLS"),
        ("smtps://user:pässword@mail.example.org", "ASCII"),
    ],
)
def test_a_bad_server_url_is_a_plain_error_that_hides_the_password(url, message):
    with pytest.raises(SettingsError, match=message) as caught:
        Settings.from_env({"PORTAL_SMTP_URL": url})
    assert "pass" not in str(caught.value).replace("password", "")


def test_the_password_stays_out_of_the_settings_repr():
    settings = Settings.from_env({"PORTAL_SMTP_URL": "smtps://portal:s3cret-value@mail.example.org"})
    assert "s3cret-value" not in repr(settings)
    assert settings.smtp is not None and settings.smtp.password == "s3cret-value"


@pytest.mark.parametrize("sender", ["no address here", "Portail <a@b.org>\nBcc: x@y.org"])
def test_a_bad_sender_is_a_plain_error(sender):
    with pytest.raises(SettingsError, match="PORTAL_MAIL_FROM"):
        Settings.from_env({"PORTAL_MAIL_FROM": sender})
