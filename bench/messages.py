"""An inbox of 50 conversations and a conversation of 100 messages against a bare
template route, in the same run.

    .venv/bin/python -m bench.messages [--duration SECONDS] [--concurrency N] [--quick]

Starts ``portal serve`` (after ``portal demo``, data in a temporary folder, SQLite)
and ``bench.reference_app`` (one template route), each one uvicorn worker on a free
port, as ``bench.run`` does. Signs in through the forms as the demo general
practitioner Dr Anne Martin and, as she would, starts conversations with the demo
patient Jeanne (``POST /pro/messages/new``) until Jeanne's inbox holds 50 (the demo
conversation counts), then replies in one of them (``POST /pro/messages/{id}/reply``)
until it holds 100 messages of 100 to 600 characters; both counts are checked on
Jeanne's pages. Then, signed in as Jeanne, loads in turn, as ``bench.run`` does:

1. her inbox, ``GET /space/messages`` (all 50 conversations: subjects opened, the
   other members named), against the reference's template route;
2. the conversation, ``GET /space/messages/{id}`` (100 messages opened, read mark,
   an audit event per view), against the reference's template route.

Every measured request must answer 200 (else the run fails, after printing the
exceptions the portal logged). Prints requests per second, latencies and the ratio
portal / reference for each page. The same figures go to
``bench/results/messages.json``. They are never asserted in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    RESULTS,
    Server,
    csrf_token,
    fmt,
    git_commit,
    loadavg,
    outbox_of,
    sign_in_steps,
    spread,
    table,
)
from bench.common import write_results as write_json
from bench.run import JEANNE, REFERENCE, Page, Target, hammer, prepare, servers, sign_in
from bench.run import make_client as make_load_client
from bench.run import summarise as summarise_load
from portal.accounts.demo import DEMO_PASSWORD

ANNE = "dr.anne.martin@example.org"  # the demo general practitioner, in Jeanne's circle
INBOX = Page("inbox", "/space/messages", setup=sign_in(JEANNE))
PRO_MESSAGES = "/pro/messages"
INBOX_SIZE = 50
THREAD_SIZE = 100
SHORTEST, LONGEST = 100, 600  # characters of a message
_ROW = 'class="row conversation-row'
_MESSAGE = '<li class="message'
_OPTION = re.compile(r'<option value="([0-9a-f-]{36})"[^>]*>([^<]*)</option>')
_SENT = re.compile(r"^/pro/messages/([0-9a-f-]{36})\?done=sent$")
_PRO_LINK = re.compile(r'href="/pro/messages/([0-9a-f-]{36})"')
_FAILURE = re.compile(r"^[\w.]+(?:Error|Exception): .*$", re.MULTILINE)

SUBJECTS = [
    "Résultats de votre prise de sang",
    "Renouvellement de votre ordonnance",
    "Votre rendez-vous chez le cardiologue",
    "Compte rendu de votre radiographie",
    "Vaccin contre la grippe",
    "Votre tension de la semaine",
    "Séances de kinésithérapie",
    "Suite de votre consultation",
    "Bilan de la vue",
    "Analyses d'urine",
    "Votre traitement pour le sommeil",
    "Certificat pour l'aide à domicile",
    "Douleurs au genou",
    "Courrier de l'hôpital de Guéret",
]
SENTENCES = [
    "Bonjour Madame Dupont.",
    "J'ai bien reçu les résultats de votre prise de sang du laboratoire de Guéret.",
    "Votre taux de cholestérol a un peu baissé depuis le mois de mars, c'est encourageant.",
    "Je vous propose de continuer le traitement à la même dose pendant trois mois.",
    "Pensez à prendre votre tension le matin, avant le petit déjeuner, pendant une semaine.",
    "Notez les chiffres dans le carnet et apportez-le à votre prochain rendez-vous.",
    "L'ordonnance est renouvelée : vous pouvez passer la chercher au cabinet dès demain.",
    "Le cardiologue m'a envoyé son compte rendu, il ne voit rien d'inquiétant.",
    "Si les vertiges reviennent, appelez le cabinet sans attendre.",
    "En cas d'urgence, la nuit ou le week-end, composez le 15.",
    "Votre fille m'a demandé des nouvelles, je lui ai dit de vous en parler directement.",
    "Les séances de kinésithérapie peuvent reprendre la semaine prochaine, deux fois par semaine.",
    "Marchez un peu chaque jour si le temps le permet, même dix minutes suffisent.",
    "Buvez régulièrement, surtout s'il fait chaud, même quand vous n'avez pas soif.",
    "L'infirmière passera jeudi matin pour la prise de sang, soyez à jeun.",
    "Je vous ai mis le courrier pour l'ophtalmologiste dans vos documents.",
    "Nous ferons le point sur le sommeil lors de votre prochaine visite.",
    "N'hésitez pas à m'écrire ici si quelque chose ne va pas.",
    "Bien cordialement, Dr Anne Martin.",
]


def message_text(rng: random.Random) -> str:
    """French sentences, between ``SHORTEST`` and ``LONGEST`` characters in all."""
    target = rng.randint(SHORTEST, LONGEST)
    text = ""
    while True:
        longer = f"{text} {rng.choice(SENTENCES)}".strip()
        if len(text) >= SHORTEST and len(longer) > target:
            return text
        text = longer


# ---------------------------------------------------------------------------
# The data, through the routes, as Dr Anne Martin


async def count_on(client: httpx.AsyncClient, path: str, marker: str) -> int:
    """How many times ``marker`` is on the page at ``path`` (which must answer 200)."""
    response = await client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered HTTP {response.status_code} instead of 200")
    return response.text.count(marker)


_PAGE_OF = re.compile(r"Page (\d+) (?:of|sur) (\d+)")


async def count_all(client: httpx.AsyncClient, path: str, marker: str) -> int:
    """How many times ``marker`` is on all the pages of ``path`` (paged 20 at a time)."""
    response = await client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered HTTP {response.status_code} instead of 200")
    found = _PAGE_OF.search(response.text)
    if found is None:
        return response.text.count(marker)
    total = 0
    for number in range(1, int(found.group(2)) + 1):
        total += await count_on(client, f"{path}{'&' if '?' in path else '?'}page={number}", marker)
    return total


async def post_303(client: httpx.AsyncClient, path: str, data: dict[str, str]) -> str:
    """Post a form (redirects not followed); where its 303 goes."""
    response = await client.post(path, data=data)
    if response.status_code != 303:
        raise RuntimeError(
            f"POST {path} answered HTTP {response.status_code} instead of 303 (body: {response.text[:200]!r})"
        )
    return response.headers.get("location", "")


async def patient_id(anne: httpx.AsyncClient, given_name: str) -> str:
    """The account id of Anne's patient ``given_name``, from the new conversation form's choices."""
    path = f"{PRO_MESSAGES}/new"
    response = await anne.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered HTTP {response.status_code} instead of 200")
    found = [value for value, name in _OPTION.findall(response.text) if given_name in name]
    if len(found) != 1:
        raise RuntimeError(f"GET {path}: {len(found)} patients named {given_name} to choose, not 1")
    return found[0]


async def fill(portal: Server, seed: int = 2026) -> dict[str, Any]:
    """Jeanne's inbox up to ``INBOX_SIZE`` conversations, one of them up to ``THREAD_SIZE``
    messages, written by Anne; then both counts checked as Jeanne. What was found and added."""
    rng = random.Random(seed)  # noqa: S311 (text, not secrets)
    async with make_load_client(portal.base_url, 1) as anne, make_load_client(portal.base_url, 1) as jeanne:
        await sign_in_steps(jeanne, outbox_of(jeanne), JEANNE, DEMO_PASSWORD)
        found = await count_all(jeanne, INBOX.path, _ROW)
        if found > INBOX_SIZE:
            raise RuntimeError(f"Jeanne's inbox holds {found} conversations already, more than {INBOX_SIZE}")
        await sign_in_steps(anne, outbox_of(anne), ANNE, DEMO_PASSWORD)
        token = await csrf_token(anne)
        patient = await patient_id(anne, "Jeanne")
        if found < INBOX_SIZE:
            print(f"  starting {INBOX_SIZE - found} conversations as Anne...", file=sys.stderr, flush=True)
        started: list[str] = []
        for number in range(INBOX_SIZE - found):
            form = {
                "_csrf_token": token,
                "patient": patient,
                "subject": SUBJECTS[number % len(SUBJECTS)],
                "body": message_text(rng),
                "action": "send",
            }
            where = await post_303(anne, f"{PRO_MESSAGES}/new", form)
            sent = _SENT.match(where)
            if sent is None:
                raise RuntimeError(f"POST {PRO_MESSAGES}/new went to {where!r}, not to the new conversation")
            started.append(sent.group(1))
        if started:
            conversation = started[0]
        else:  # nothing to start: the newest conversation in Anne's inbox
            response = await anne.get(PRO_MESSAGES)
            links = _PRO_LINK.findall(response.text) if response.status_code == 200 else []
            if not links:
                raise RuntimeError(f"GET {PRO_MESSAGES} lists no conversation of Anne's")
            conversation = links[0]
        messages = await count_all(anne, f"{PRO_MESSAGES}/{conversation}", _MESSAGE)
        replies = max(0, THREAD_SIZE - messages)
        if replies:
            print(f"  replying {replies} times in one of them...", file=sys.stderr, flush=True)
        for _ in range(replies):
            form = {"_csrf_token": token, "body": message_text(rng), "action": "send"}
            await post_303(anne, f"{PRO_MESSAGES}/{conversation}/reply", form)

        # What Jeanne sees.
        listed = await count_all(jeanne, INBOX.path, _ROW)
        if listed != INBOX_SIZE:
            raise RuntimeError(f"Jeanne's inbox lists {listed} conversations, not {INBOX_SIZE}")
        shown = await count_all(jeanne, f"{INBOX.path}/{conversation}", _MESSAGE)
        if shown != THREAD_SIZE:
            raise RuntimeError(
                f"the conversation {conversation} shows Jeanne {shown} messages, not {THREAD_SIZE}"
            )
    return {
        "conversation_id": conversation,
        "conversations_found": found,
        "conversations_added": len(started),
        "messages_found": messages,
        "replies_added": replies,
    }


# ---------------------------------------------------------------------------
# A page under load, against the reference


async def measure_page(
    reference: Server,
    portal: Server,
    page: Page,
    check: Callable[[httpx.AsyncClient], Awaitable[None]],
    duration: float,
    concurrency: int,
    slice_seconds: float,
    warmup: float,
) -> list[dict[str, Any]]:
    """``page`` and the reference's route in alternating slices, after ``check`` on the page's client."""
    targets = [
        Target("reference /", REFERENCE, reference.base_url, True, reference.process.pid),
        Target(f"portal {page.name}", page, portal.base_url, False, portal.process.pid),
    ]
    rounds = max(1, round(duration / slice_seconds))
    slice_len = duration / rounds
    try:
        for target in targets:
            target.client = make_load_client(target.base_url, concurrency, target.page.cookies)
            await prepare(target.client, target.page)
        assert targets[1].client is not None
        await check(targets[1].client)
        for target in targets:
            await hammer(target, concurrency, warmup, record=False)
        for number in range(rounds):
            print(f"  {page.name}: round {number + 1}/{rounds}", file=sys.stderr, flush=True)
            for target in targets if number % 2 == 0 else targets[::-1]:
                await hammer(target, concurrency, slice_len, record=True)
    finally:
        for target in targets:
            if target.client is not None:
                await target.client.aclose()
    rows = [summarise_load(target) for target in targets]
    base, mine = rows
    mine["rps_ratio"] = mine["rps"] / base["rps"] if base["rps"] else float("nan")
    mine["p50_ratio"] = mine["p50_ms"] / base["p50_ms"] if base["p50_ms"] else float("nan")
    mine["rps_ratio_per_round"] = [
        round(m["rps"] / b["rps"], 3)
        for m, b in zip(targets[1].rounds, targets[0].rounds, strict=False)
        if b["rps"]
    ]
    mine_cpu, base_cpu = mine["server_cpu_ms_per_request"], base["server_cpu_ms_per_request"]
    mine["server_cpu_ratio"] = mine_cpu / base_cpu if mine_cpu is not None and base_cpu else None
    return rows


def expect(path: str, marker: str, count: int, what: str) -> Callable[[httpx.AsyncClient], Awaitable[None]]:
    """A check that the page at ``path`` shows ``count`` times ``marker`` (``what``: for the error)."""

    async def check(client: httpx.AsyncClient) -> None:
        seen = await count_all(client, path, marker)
        if seen != count:
            raise RuntimeError(f"GET {path} shows {seen} {what}, not {count}")

    return check


async def measure(
    reference: Server, portal: Server, duration: float, concurrency: int, slice_seconds: float, warmup: float
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    data = await fill(portal)
    conversation = Page("conversation", f"{INBOX.path}/{data['conversation_id']}", setup=sign_in(JEANNE))
    load = (duration, concurrency, slice_seconds, warmup)
    inbox = await measure_page(
        reference, portal, INBOX, expect(INBOX.path, _ROW, INBOX_SIZE, "conversations"), *load
    )
    thread = await measure_page(
        reference,
        portal,
        conversation,
        expect(conversation.path, _MESSAGE, THREAD_SIZE, "messages"),
        *load,
    )
    return data, inbox, thread


def failures_in_log(server: Server) -> dict[str, int]:
    """The exceptions a server logged (their last traceback line), with how many times each."""
    try:
        text = server.log_path.read_text(errors="replace")
    except OSError:
        return {}
    counts: dict[str, int] = {}
    for line in _FAILURE.findall(text):
        counts[line] = counts.get(line, 0) + 1
    return counts


# ---------------------------------------------------------------------------
# Report


def print_table(title: str, load: list[dict[str, Any]], conversation: str) -> None:
    print()
    print(title)
    rows = []
    for row in load:
        is_base = row is load[0]
        path = row["path"].replace(conversation, "{id}")
        rows.append(
            [
                row["target"] + ("" if is_base else f" ({path})"),
                f"{row['rps']:.0f}",
                f"{row['p50_ms']:.1f}",
                f"{row['p99_ms']:.1f}",
                "1.00" if is_base else f"{row['rps_ratio']:.2f}",
                "1.00" if is_base else f"{row['p50_ratio']:.2f}",
                fmt(row["server_cpu_ms_per_request"], "{:.2f}"),
                "1.00" if is_base else fmt(row["server_cpu_ratio"], "{:.2f}"),
                spread(row["rps_per_round"]),
                str(sum(row["errors"].values())),
            ]
        )
    headers = ["target", "req/s", "p50 ms", "p99 ms", "rps ratio", "p50 ratio"]
    headers += ["srv CPU ms/req", "CPU ratio", "rounds", "errors"]
    print(table(headers, rows, right=set(range(1, 10))))
    for row in load:
        if row["errors"]:
            print(f"errors on {row['target']}: {row['errors']}")


def print_report(meta: dict[str, Any], inbox: list[dict[str, Any]], thread: list[dict[str, Any]]) -> None:
    load = (
        f"against the reference template route: {meta['duration_s']:g} s each in {meta['rounds']} rounds, "
        f"{meta['concurrency']} connections; one uvicorn worker each; {meta['cpus']} CPUs, "
        f"load average {meta['loadavg_before']} before, {meta['loadavg_after']} after."
    )
    conversation = meta["conversation_id"]
    print_table(
        f"Jeanne's inbox of {INBOX_SIZE} conversations (GET /space/messages) {load}", inbox, conversation
    )
    print_table(
        f"A conversation of {THREAD_SIZE} messages (GET /space/messages/{{id}}, id {conversation}) {load}",
        thread,
        conversation,
    )
    print()
    print("ratios: portal / reference (rps ratio below 1 and p50 ratio above 1 = slower than the baseline);")
    print("srv CPU ms/req: server process CPU time per request (CPU ratio: portal / reference).")
    for line, count in meta["portal_log_errors"].items():
        print(f"portal log: {line} x{count}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.messages", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duration", type=float, default=10.0, help="measured seconds of each page (default 10)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="connections on the pages (default 8)")
    parser.add_argument("--slice", type=float, default=1.0, help="seconds per page slice (default 1)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 s per page")
    parser.add_argument("--output", type=Path, default=RESULTS / "messages.json", help="JSON results file")
    args = parser.parse_args(argv)
    duration = 2.0 if args.quick else args.duration
    warmup = 0.3 if args.quick else 1.0
    if duration <= 0 or args.slice <= 0 or args.concurrency < 1:
        parser.error("--concurrency must be at least 1; --duration, --slice positive")

    meta: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "inbox_conversations": INBOX_SIZE,
        "conversation_messages": THREAD_SIZE,
        "message_chars": [SHORTEST, LONGEST],
        "duration_s": duration,
        "slice_s": args.slice,
        "rounds": max(1, round(duration / args.slice)),
        "warmup_s": warmup,
        "concurrency": args.concurrency,
        "database": "SQLite (WAL)",
        "client": f"httpx {httpx.__version__} (asyncio, HTTP/1.1 keep-alive)",
        "loadavg_before": loadavg(),
    }
    print(f"Starting the reference app and the portal (commit {meta['commit']})...", file=sys.stderr)
    try:
        with servers() as (reference, portal):
            print(
                "Writing the conversations, then loading each page and the reference in turn...",
                file=sys.stderr,
                flush=True,
            )
            try:
                data, inbox, thread = asyncio.run(
                    measure(reference, portal, duration, args.concurrency, args.slice, warmup)
                )
            except RuntimeError as exc:
                raise RuntimeError(f"{exc}\nportal log:\n{portal.log_tail(40)}") from exc
            meta["portal_log_errors"] = failures_in_log(portal)
    except RuntimeError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    meta["loadavg_after"] = loadavg()
    meta.update(data)
    print_report(meta, inbox, thread)
    shown = write_json(args.output, {"meta": meta, "inbox": inbox, "conversation": thread})
    print(f"\nwritten: {shown}")
    # Every measured request must have been the page itself (200), not a redirect or an error.
    wrong = [
        f"{row['target']} ({row['path']}): {what} x{count}"
        for row in [*inbox, *thread]
        for what, count in row["errors"].items()
    ]
    if wrong:
        print("bench: FAILED, some requests did not answer 200: " + "; ".join(wrong), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
