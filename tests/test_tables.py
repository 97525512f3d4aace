"""Cells of tables read under their column's name: CSV, TSV, Markdown, tables drawn with
box characters or aligned by blanks, HTML tables and SQL INSERT rows."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from rich.console import Console
from rich.table import Table

import redact
from redact._tables import credential_cells

PW, PW2 = "Zq8DNxril3RavGD5", "Kx7pLm2QwE9rTz"


@pytest.mark.parametrize(
    "text",
    [
        f"user,password,role\nbob,{PW},admin\nann,{PW2},viewer\n",
        f"user;password\r\nbob;{PW}\r\nann;{PW2}\r\n",
        f"name\tapi_key\nbob\t{PW}\nann\t{PW2}",
        f'id,"db password",host\n1,"{PW}",db1\n2,"{PW2}",db2',
        f"| user | password |\n|------|:--------:|\n| bob | {PW} |\n| ann | {PW2} |\n",
        f"INSERT INTO users (name, password) VALUES ('bob', '{PW}'), ('ann', '{PW2}');",
        f"insert into creds (id, `api_token`, note)\nvalues (1, '{PW}', 'it''s'),\n       (2, '{PW2}', NULL)",
    ],
)
def test_a_cell_under_a_credential_column_is_a_credential(text: str) -> None:
    """Each row's cell under a column the key grammar names a credential is read under
    that name, as a value under a dict key is, and masked in place; the other cells and
    the header stay."""
    out = redact.redact({"export": text}).value["export"]
    assert PW not in out and PW2 not in out
    assert out.count("[REDACTED:") == 2
    assert out.replace("[REDACTED:sensitive-key-value]", "X") == text.replace(PW, "X").replace(PW2, "X")


@pytest.mark.parametrize(
    "text",
    [
        f"name;value\ndb_password;{PW}\nepochs;3\napi_token;{PW2}\n",
        f'"key","value"\n"db_password","{PW}"\n"lr","0.1"\n"api_token","{PW2}"',
        f"| Parameter | Value |\n|---|---|\n| db_password | {PW} |\n| api_token | {PW2} |",
        f"Key\tValue\tSource\ndb_password\t{PW}\tenv\napi_token\t{PW2}\tfile",
    ],
)
def test_a_table_of_names_and_values_holds_each_value_under_its_rows_name(text: str) -> None:
    """A settings export (``key,value``, ``name;value``, ``Parameter | Value``): each
    row's value is read under the name in its row, as a mapping's ``{"key": ..., "value":
    ...}`` members are; the names, the other rows and the header stay."""
    out = redact.redact({"export": text}).value["export"]
    assert PW not in out and PW2 not in out
    assert out.count("[REDACTED:") == 2
    sha = "4f0c1b2a" * 5
    clean = f"key;value\ngit_commit;{sha}\nrun_id;0a1b2c3d4e5f\nepochs;3\n"
    assert redact.scan({"export": clean}) == []


@pytest.mark.parametrize(
    "text",
    [
        "epoch,loss,max_tokens\n1,0.5,1024\n2,0.4,2048\n",  # a setting's column
        "user,password\nbob,${DB_PASSWORD}\nann,changeme\n",  # placeholders
        "token,count\n\u2581interna,12\n\u0120world,9\n##ing,7\n",  # a tokenizer's vocabulary
        "user,password\nbob\n",  # a row that is not one of the table's
        "INSERT INTO runs (id, password_min_length) VALUES (1, 12)",
        "INSERT INTO t (a, b) VALUES (1, 2)",
        "name: x\npassword_policy: strict\n",  # not a table
    ],
)
def test_tables_without_a_credential_cell_stay_clean(text: str) -> None:
    assert redact.scan({"export": text}) == []


def test_cells_are_yielded_with_their_column_and_exact_offsets() -> None:
    text = f"user,secret\nbob,{PW}\n"
    ((name, start, end),) = credential_cells(text)
    assert (name, text[start:end]) == ("secret", PW)
    text = f"INSERT INTO t (token) VALUES ('{PW}')"
    ((name, start, end),) = credential_cells(text)
    assert (name, text[start:end]) == ("token", PW)


def test_a_long_tables_rows_are_read_up_to_the_cap() -> None:
    """Rows beyond the reader's cap are text like any other: a table costs one pass over
    at most ``MAX_ROWS`` rows."""
    from redact import _tables

    rows = _tables.MAX_ROWS + 50
    text = "user,password\n" + "".join(f"u{i},{PW}{i}\n" for i in range(rows))
    cells = list(credential_cells(text))
    assert len(cells) == _tables.MAX_ROWS


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"user": ["bob", "ann"], "password": [PW, PW2], "host": ["db1", "db2"]})


def _rich_table() -> str:
    table = Table("user", "password", "host")
    for row in _frame().itertuples(index=False):
        table.add_row(*row)
    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(table)
    return out.getvalue()


@pytest.mark.parametrize(
    "render",
    [
        lambda: repr(_frame()),  # a DataFrame's repr: columns right-aligned under their names
        lambda: _frame().to_string(index=False),
        lambda: _frame().to_html(),
        _rich_table,  # box characters
        lambda: (
            f"NAME      PASSWORD          AGE\nbob       {PW}  3d\nann       {PW2}    1h\n"
        ),  # kubectl's columns
    ],
    ids=["pandas-repr", "pandas-to-string", "pandas-to-html", "rich", "aligned"],
)
def test_tables_printed_by_libraries_are_read_by_column(render) -> None:  # noqa: ANN001
    """The tables pandas, rich and command-line tools print, as logged run output holds
    them: each cell under the password column is read under that name."""
    text = render()
    assert PW in text and PW2 in text
    out = redact.redact({"stdout": text}).value["stdout"]
    assert PW not in out and PW2 not in out
    assert "bob" in out and "ann" in out


@pytest.mark.parametrize(
    "text",
    [
        "Set the password below before\nyou run the job on the cluster\n",  # prose lines up by chance only
        "user password\nbob is away on leave today\n",  # two words in one column
        "NAME      TOKEN_COUNT    AGE\nbob       1024           3d\n",  # a setting's column
        "<table><tr><th>user</th><th>password</th></tr><tr><td>bob</td><td>********</td></tr></table>",
    ],
)
def test_text_that_is_no_such_table_or_holds_no_credential_stays_clean(text: str) -> None:
    assert redact.scan({"stdout": text}) == []
