"""The data a run measures: the database migrated and generated (the generator benchmark), the credentials, and
what the requests name (a country, the biggest event, search words of known frequencies)."""

from __future__ import annotations

import re
import statistics
import time
from io import StringIO

from bench.core import SEED, Result, raw_settings


def prepare_data(figures: int, generate: bool) -> tuple[dict, Result | None]:
    """Migrate; generate ``figures`` synthetic records when asked (the generator benchmark) or when the database
    holds another number; return the data set's facts and the generator's result."""
    from django.core.management import call_command

    from tracker.models import CLAIM_MODELS

    call_command("migrate", verbosity=0, interactive=False)
    count = sum(model.objects.filter(is_synthetic=True).count() for model in CLAIM_MODELS)
    result = None
    if generate or count != figures:
        result = bench_generator(figures)
    facts = {"counts": {str(model._meta.verbose_name_plural): model.objects.count() for model in CLAIM_MODELS},
             "figures": figures, "raw": raw_settings()}
    return facts, result


def bench_generator(figures: int) -> Result:
    """``generate_synthetic --figures N`` against PostgreSQL's own bulk load of the same rows.

    The limit: the displacement figures just written, copied out and loaded with ``COPY FROM`` into an
    empty table of the same columns (no indexes): the fastest PostgreSQL takes these rows in.
    """
    from django.core.management import call_command, load_command_class
    from django.db import DatabaseError, connection

    print(f"Generating {figures:,} synthetic records (seed {SEED})...", flush=True)
    command = load_command_class("tracker", "generate_synthetic")
    out = StringIO()
    start = time.perf_counter()
    call_command(command, figures=figures, seed=SEED, stdout=out)
    seconds = time.perf_counter() - start
    summary = out.getvalue().strip().splitlines()[-1]
    print(summary, flush=True)
    with connection.cursor() as cursor:
        with cursor.copy('COPY "tracker_displacementfigure" TO STDOUT') as copy:
            rows = b"".join(bytes(block) for block in copy)
        cursor.execute('CREATE TEMPORARY TABLE bench_copy_limit (LIKE "tracker_displacementfigure")')
        loaded = rows.count(b"\n")
        times = []
        for _ in range(3):
            cursor.execute("TRUNCATE bench_copy_limit")
            began = time.perf_counter()
            with cursor.copy("COPY bench_copy_limit FROM STDIN") as copy:
                for offset in range(0, len(rows), 1 << 20):
                    copy.write(rows[offset:offset + (1 << 20)])
            times.append(time.perf_counter() - began)
        cursor.execute("DROP TABLE bench_copy_limit")
        # Write the new data out now, so the checkpointer does not flush a gigabyte under the next benchmarks.
        try:
            cursor.execute("CHECKPOINT")
        except DatabaseError:
            pass  # CHECKPOINT needs superuser rights (or pg_checkpoint): the next figures may be noisier
    limit = loaded / statistics.median(times)
    rate = command.generator.insert_rate
    return Result("generator", "records inserted per second (three tables, COPY, with their search words; one run)",
                  rate, "records/s", limit, "COPY FROM of the same rows into a bare table", rate / limit,
                  "of PostgreSQL's own load rate", ">= 50,000 records/s", rate >= 50_000,
                  {"ready to query (indexes rebuilt, foreign keys checked)": f"{command.generator.rate:,.0f} records/s",
                   "whole command (s)": round(seconds, 1), "output": summary})


def credentials() -> dict:
    """An API key (``create_api_key``) and a staff session for the admin."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    call_command("create_api_key", client="Benchmark", name="bench", stdout=out, stderr=err)
    found = re.search(r"\b([A-Za-z0-9]{8}\.[A-Za-z0-9]{16,})\b", out.getvalue() + "\n" + err.getvalue())
    if not found:
        raise SystemExit(f"create_api_key printed no key: {out.getvalue()!r}")
    key = found.group(1)
    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench-admin", defaults={"is_staff": True, "is_superuser": True})
    user.is_staff = user.is_superuser = True
    user.set_unusable_password()
    user.save()
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {"key": key, "user": user,
            "api_headers": {"Authorization": f"Api-Key {key}"},
            "admin_headers": {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"}}


def sample_filters() -> dict:
    """A country, a year and a term that the synthetic data fills; the event with the most records."""
    from django.db.models import Count

    from tracker.models import DisplacementFigure, Location

    country = Location.objects.filter(is_synthetic=True, level="country").order_by("pk").first()
    event = (DisplacementFigure.objects.exclude(event=None).values("event").annotate(n=Count("id"))
             .order_by("-n", "event").first())
    return {"country": country, "iso3": country.iso3, "date_from": "2019-01-01", "date_to": "2019-12-31",
            "term": "fled", "event": event["event"] if event else None, "event_records": event["n"] if event else 0}


# --- search words of known frequencies ----------------------------------------------------------------
ABSENT_WORD = "quuxinobrium"  # no generated text holds it (checked below)


def surface_words() -> dict[str, str]:
    """Each stem of the synthetic prose's vocabulary and templates, and the shortest word that has it."""
    from tracker.search import stem, tokens
    from tracker.synthetic import prose, words

    texts = [getattr(words, name) for name in ("NOUNS", "VERBS", "ADJECTIVES", "ADVERBS", "CAUSES", "WHEN",
                                               "OCCUPATIONS", "ROLES")]
    texts += [*prose.CONTEXT_PATTERNS, *(t for templates in prose.LEADS.values() for t in templates), *prose.NOTES,
              *prose.QUOTES, *prose.TITLES]
    typed: dict[str, str] = {}
    for word in sorted({word for text in texts for word in tokens(text)}, key=lambda w: (len(w), w)):
        typed.setdefault(stem(word), word)
    return typed


def search_words() -> list[dict]:
    """Four words for ``?q=``, picked from the data: in no record, in about one, in about 0.1 % and in about half
    of the displacement figures. Candidates come from PostgreSQL's ``ts_stat`` over a sample of the stored search
    words; each word's count is then what the list's own search finds (the kind's filterset with ``q``)."""
    from django.db import connection

    from tracker.filtersets import DisplacementFigureFilterSet
    from tracker.models import DisplacementFigure

    def found(word: str) -> int:
        return DisplacementFigureFilterSet({"q": word}, queryset=DisplacementFigure.objects.all()).qs.count()

    total = DisplacementFigure.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = "
                       "'tracker_displacementfigure' AND column_name = 'search_text'")
        if not cursor.fetchone():
            return []
        sample_percent = min(100.0, max(1.0, 100.0 * 60_000 / max(total, 1)))
        cursor.execute(
            "SELECT word, ndoc FROM ts_stat($$SELECT to_tsvector('simple', search_text) FROM "
            f"tracker_displacementfigure TABLESAMPLE SYSTEM ({sample_percent}) REPEATABLE (7)$$)")
        stats = cursor.fetchall()
    sampled = max(1, round(total * sample_percent / 100))
    # As a user types them: a word of the generator's vocabulary for a stem, else a stem that is its own stem (an
    # invented name); letters only, longer than two letters.
    from tracker.search import stem

    typed = surface_words()
    stats = [(typed.get(word, word), n) for word, n in stats if word.isalpha() and len(word) > 2
             and (word in typed or stem(word) == word)]
    words = [{"share": "none", "word": ABSENT_WORD, "records": found(ABSENT_WORD)}]
    singles = sorted((word for word, n in stats if n == 1), key=lambda w: (len(w), w), reverse=True)
    for word in singles[:40]:
        n = found(word)
        if n == 1:
            words.append({"share": "one record", "word": word, "records": n})
            break
    else:
        if singles:
            words.append({"share": "one record", "word": singles[0], "records": found(singles[0])})
    for share, fraction in (("0.1%", 0.001), ("half", 0.5)):
        want = fraction * sampled
        # A word a user would look for: of the vocabulary (not a syllable of invented names), five letters or more
        # ("displaced", not "from").
        words_typed = set(typed.values())
        candidates = sorted((pair for pair in stats if len(pair[0]) >= 5 and pair[0] in words_typed),
                            key=lambda pair: abs(pair[1] - want))[:5]
        best = min(((word, found(word)) for word, _ in candidates), key=lambda pair: abs(pair[1] - fraction * total))
        words.append({"share": share, "word": best[0], "records": best[1]})
    for entry in words:
        entry["percent"] = round(100 * entry["records"] / max(total, 1), 3)
    return words
