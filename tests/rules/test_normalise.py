"""Normal forms that decide when two sources, texts or excerpts are the same."""

import pytest

from tracker.rules.normalise import content_hash, normalise_text, normalise_url, stored_url_forms

CANONICAL = "https://aljazeera.com/news/2019/3/10/us-backed-syrian-forces-resume-attacks"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.aljazeera.com/news/2019/3/10/us-backed-syrian-forces-resume-attacks",
        "http://www.aljazeera.com/news/2019/3/10/us-backed-syrian-forces-resume-attacks",
        "HTTPS://WWW.AlJazeera.COM/news/2019/3/10/us-backed-syrian-forces-resume-attacks",
        "https://aljazeera.com:443/news/2019/3/10/us-backed-syrian-forces-resume-attacks",
        "http://aljazeera.com:80/news/2019/3/10/us-backed-syrian-forces-resume-attacks",
        "https://www.aljazeera.com/news/2019/3/10/us-backed-syrian-forces-resume-attacks#comments",
        "https://www.aljazeera.com/news/2019/3/10/us-backed-syrian-forces-resume-attacks?utm_source=twitter"
        "&utm_medium=social&utm_campaign=x",
        "https://www.aljazeera.com/news/2019/3/10/us-backed-syrian-forces-resume-attacks?fbclid=IwAR0abc",
        "https://www.aljazeera.com/news/2019/3/10/us-backed-syrian-forces-resume-attacks?gclid=Cj0KCQ",
        "  https://www.aljazeera.com/news/2019/3/10/us-backed-syrian-forces-resume-attacks  ",
        "https://www.aljazeera.com/news/2019/3/10/us-backed-syrian-forces-resume-attacks/",
        "http://aljazeera.com/news/2019/3/10/us-backed-syrian-forces-resume-attacks/?utm_source=x#top",
    ],
)
def test_one_page_under_many_urls_has_one_normal_form(url):
    assert normalise_url(url) == CANONICAL


def test_path_and_meaningful_parameters_are_kept():
    assert normalise_url("https://example.org/Report?id=7&utm_source=x") == "https://example.org/Report?id=7"
    assert normalise_url("https://example.org/a") != normalise_url("https://example.org/A")
    assert normalise_url("https://example.org/report?id=7") != normalise_url("https://example.org/report?id=8")


def test_parameter_order_does_not_matter():
    assert normalise_url("https://example.org/r?b=2&a=1") == normalise_url("https://example.org/r?a=1&b=2")


def test_a_non_default_port_is_kept():
    assert normalise_url("https://example.org:8443/r") == "https://example.org:8443/r"


def test_only_a_leading_www_is_dropped():
    assert normalise_url("https://news.www.example.org/") == "https://news.www.example.org/"


def test_host_root_with_or_without_slash():
    assert normalise_url("https://example.org") == normalise_url("https://example.org/")


def test_a_trailing_slash_names_the_same_page_and_the_root_stays_a_slash():
    assert normalise_url("https://example.org/a/") == normalise_url("https://example.org/a") == "https://example.org/a"
    assert normalise_url("https://example.org/a//?id=7") == "https://example.org/a?id=7"
    assert normalise_url("https://www.example.org/") == "https://example.org/"
    assert normalise_url("https://example.org/a/b") != normalise_url("https://example.org/a")


def test_a_page_is_looked_up_under_its_normal_form_and_the_one_kept_from_before_slashes_were_dropped():
    assert stored_url_forms("http://www.example.org/a/?id=7&utm_source=x") == [
        "https://example.org/a?id=7", "https://example.org/a/?id=7"]
    assert stored_url_forms("https://example.org/") == ["https://example.org/"]


def test_text_folds_whitespace_and_non_breaking_spaces():
    assert normalise_text("  more\u00a0than\n4,000\t fighters ") == "more than 4,000 fighters"


def test_text_straightens_curly_quotes():
    assert normalise_text("\u201cno further civilians\u201d, Bali\u2019s office said") == (
        '"no further civilians", Bali\'s office said'
    )


def test_two_copies_of_one_article_share_a_content_hash():
    stored = "Bali said \u201cmore than 4,000\u201d fighters\u00a0had surrendered.\n\nReuters"
    pasted = 'Bali said "more than 4,000" fighters had surrendered. Reuters'
    assert content_hash(stored) == content_hash(pasted)
    assert len(content_hash(stored)) == 64


def test_different_texts_have_different_hashes():
    assert content_hash("more than 4,000 fighters") != content_hash("more than 5,000 fighters")
