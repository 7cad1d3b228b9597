"""Settings come from the environment; a missing or malformed one is one clear sentence."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import DEFAULT_DATABASE_URL, Settings, SettingsError

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_to_a_sqlite_file_under_data():
    settings = Settings.from_env({})
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.discord_token is None
    assert settings.is_sqlite


def test_plain_postgresql_url_gets_the_async_driver():
    settings = Settings.from_env({"DATABASE_URL": "postgresql://u:secret@db.example/coalition"})
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert "secret" not in settings.safe_database_url


@pytest.mark.parametrize(
    ("environ", "says"),
    [
        ({"DATABASE_URL": "mysql://u@h/d"}, "does not support"),
        ({"DATABASE_URL": ":::"}, "is not a database URL"),
        ({"DEV_GUILD_ID": "my-server"}, "must be a whole number"),
        ({"LOG_LEVEL": "LOUD"}, "is not a level"),
    ],
)
def test_malformed_settings_are_one_sentence(environ, says):
    with pytest.raises(SettingsError, match=says):
        Settings.from_env(environ)


def test_the_token_never_appears_in_the_settings_repr():
    settings = Settings.from_env({"DISCORD_TOKEN": "MTIz.secret-token"})
    assert "secret-token" not in repr(settings)
    assert settings.require_token() == "MTIz.secret-token"


def test_missing_token_says_how_to_get_one():
    with pytest.raises(SettingsError, match="python -m bot demo"):
        Settings.from_env({}).require_token()


def run_bot(tmp_path: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in {"DISCORD_TOKEN", "DATABASE_URL"}}
    clean.update(environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=120
    )


def test_running_without_a_token_exits_2_with_one_sentence(tmp_path):
    completed = run_bot(tmp_path)
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "DISCORD_TOKEN is not set" in lines[0]
    assert "Traceback" not in completed.stderr


def test_a_malformed_database_url_exits_2_with_one_sentence(tmp_path):
    completed = run_bot(tmp_path, DATABASE_URL="oracle://nowhere", DISCORD_TOKEN="x")
    assert completed.returncode == 2
    assert len(completed.stderr.strip().splitlines()) == 1
    assert "does not support" in completed.stderr


def test_an_unreachable_database_exits_2_with_one_sentence(tmp_path):
    completed = run_bot(tmp_path, DATABASE_URL="postgresql://u:pw@127.0.0.1:9/none", DISCORD_TOKEN="x")
    assert completed.returncode == 2
    assert completed.stderr.strip().startswith(
        "Cannot open the database at postgresql+asyncpg://u:***@127.0.0.1:9/none"
    )
    assert "Traceback" not in completed.stderr


def test_the_token_can_come_from_a_dotenv_file(tmp_path):
    (tmp_path / ".env").write_text("DATABASE_URL=oracle://from-dotenv\n")
    completed = run_bot(tmp_path)
    assert "'oracle'" in completed.stderr


# --------------------------------------------------------------------- DATABASE_URL secrets

PASSWORD = "hunter2-Sekret"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://u:{PASSWORD}@127.0.0.1:9/none",  # nothing listens
        f"postgresql://u:{PASSWORD}@db.invalid/none",  # no such host
        f"postgresql://u:{PASSWORD}@db.example:port/none",  # port is not a number
        f"postgresql://u:{PASSWORD}@[::1/none",  # broken IPv6 host
        PASSWORD,  # the password pasted into the wrong variable
        f"sqlite+aiosqlite://u:{PASSWORD}@/data/x.db",  # SQLite takes no password
        f"postgresql://u@127.0.0.1:9/none?password={PASSWORD}",  # asyncpg reads it from the query too
        f"postgresql://u:{PASSWORD}@127.0.0.1:9/none?sslmode=require&no_such_option=1",
    ],
    ids=["unreachable", "unknown-host", "bad-port", "bad-ipv6", "bare", "sqlite", "query", "bad-option"],
)
def test_start_up_errors_never_repeat_the_database_password(tmp_path, url):
    completed = run_bot(tmp_path, DATABASE_URL=url, DISCORD_TOKEN="x")

    assert completed.returncode == 2, completed.stderr
    said = completed.stdout + completed.stderr
    assert PASSWORD not in said
    assert "Traceback" not in said
    assert len(completed.stderr.strip().splitlines()) == 1


def test_a_percent_encoded_password_is_hidden_in_both_forms(tmp_path):
    completed = run_bot(
        tmp_path, DATABASE_URL="postgresql://u:p%40ss-w0rd@127.0.0.1:9/none", DISCORD_TOKEN="x"
    )

    assert completed.returncode == 2
    assert "p@ss-w0rd" not in completed.stderr
    assert "p%40ss-w0rd" not in completed.stderr
    assert "u:***@127.0.0.1:9/none" in completed.stderr


def test_db_upgrade_against_an_unreachable_server_says_where_without_the_password(tmp_path):
    clean = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    clean.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"postgresql://u:{PASSWORD}@127.0.0.1:9/none")
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
    )

    assert completed.returncode == 2
    assert PASSWORD not in completed.stdout + completed.stderr
    assert completed.stderr.strip().splitlines() == [
        "Cannot open the database at postgresql+asyncpg://u:***@127.0.0.1:9/none: "
        "[Errno 111] Connect call failed ('127.0.0.1', 9)."
    ]


def test_a_wrong_password_refused_by_postgresql_is_not_repeated(tmp_path):
    from sqlalchemy.engine import make_url

    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        pytest.skip("TEST_DATABASE_URL is not set; .ci/run starts a PostgreSQL server and sets it")
    url = make_url(server).set(password=PASSWORD).render_as_string(hide_password=False)

    completed = run_bot(tmp_path, DATABASE_URL=url, DISCORD_TOKEN="x")

    assert completed.returncode == 2
    assert PASSWORD not in completed.stdout + completed.stderr
    assert "password authentication failed" in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1


def test_credentials_in_the_query_string_are_hidden_too():
    settings = Settings.from_env(
        {"DATABASE_URL": f"postgresql://u@db.example/c?password={PASSWORD}&ssl=require"}
    )

    assert PASSWORD not in settings.safe_database_url
    assert PASSWORD not in repr(settings)
    assert settings.safe_database_url == "postgresql+asyncpg://u@db.example/c?password=***&ssl=require"


def test_libpq_sslmode_becomes_asyncpgs_ssl():
    settings = Settings.from_env({"DATABASE_URL": "postgres://u:p@db.example/c?sslmode=require"})

    assert settings.database_url == "postgresql+asyncpg://u:p@db.example/c?ssl=require"


def test_a_driver_error_quoting_the_password_is_redacted():
    from db.engine import redact

    url = "postgresql+asyncpg://u:s%2Fecret@h/d"

    assert redact("bad dsn u:s/ecret@h and s%2Fecret", url) == "bad dsn u:***@h and ***"
