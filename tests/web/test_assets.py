"""Versioned static files: a change in any module a page loads gives the page new URLs."""

from __future__ import annotations

from pathlib import Path

from slotwise.web.assets import Assets


def _assets(folder: Path) -> Assets:
    return Assets({name: folder / name for name in ("a.js", "b.js", "c.js", "style.css")})


def test_a_change_deep_in_the_imports_changes_every_importer(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text('import { b } from "./b.js";\nimport "./x.js";\n')
    (tmp_path / "b.js").write_text('export { c as b } from "./c.js";\n')
    (tmp_path / "c.js").write_text("export const c = 1;\n")
    (tmp_path / "style.css").write_text("p { color: red }\n")
    before = _assets(tmp_path)
    a = before.get("a.js")
    assert before.imports("a.js") == ("b.js", "c.js")
    text = a.body.decode()
    assert f'from "{before.url("b.js")}"' in text
    assert 'import "./x.js"' in text  # not one of ours: left as it is
    (tmp_path / "c.js").write_text("export const c = 2;\n")
    after = _assets(tmp_path)
    for name in ("a.js", "b.js", "c.js"):
        assert after.url(name) != before.url(name), name
    assert after.url("style.css") == before.url("style.css")


def test_a_missing_file_is_named_without_a_version(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text('import { b } from "./b.js";\n')
    assets = _assets(tmp_path)
    assert assets.url("b.js") == "/board/static/b.js"
    assert assets.imports("a.js") == ()
    assert 'from "/board/static/b.js"' in assets.get("a.js").body.decode()


def test_modules_that_import_each_other(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text('import { b } from "./b.js";\nexport const a = 1;\n')
    (tmp_path / "b.js").write_text('import { a } from "./a.js";\nexport const b = 2;\n')
    assets = _assets(tmp_path)
    assert assets.imports("a.js") == ("b.js",)
    assert assets.imports("b.js") == ("a.js",)
    assert f'from "{assets.url("a.js")}"' in assets.get("b.js").body.decode()
    assert f'from "{assets.url("b.js")}"' in assets.get("a.js").body.decode()
