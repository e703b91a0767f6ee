"""The README and the manual in docs/: every relative link leads to a file and, where it names
one, a heading of that file; the README stays a front page."""

from pathlib import Path
import re

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / 'README.md'] + sorted((ROOT / 'docs').glob('*.md'))


def anchors(page: Path) -> set[str]:
    """GitHub's anchors of the page's headings."""
    headings = re.findall(r'^#+ (.+)$', re.sub(r'```.*?```', '', page.read_text(), flags=re.S),
                          flags=re.M)
    return {re.sub(r'[^\w\- ]', '', h.strip().lower()).replace(' ', '-') for h in headings}


@pytest.mark.parametrize('page', PAGES, ids=lambda p: p.name)
def test_every_relative_link_resolves(page):
    broken = []
    for target in re.findall(r'\]\(([^)\s]+)\)', page.read_text()):
        if re.match(r'[a-z]+://', target):
            continue
        path, _, anchor = target.partition('#')
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (anchor and linked.suffix == '.md'
                                   and anchor not in anchors(linked)):
            broken.append(target)
    assert broken == []


def test_the_readme_is_a_front_page():
    assert len((ROOT / 'README.md').read_text().splitlines()) <= 200
