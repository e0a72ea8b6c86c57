"""mnist_scratch.data.fetch: URLs as they may be shown, with any user name and password hidden.
(Fetching itself, with and without a password, is tested through download in test_download.py.)"""

from __future__ import annotations

import pytest

from mnist_scratch.data.fetch import hide_secrets, public_url


@pytest.mark.parametrize("url,shown", [
    ("https://user:pw@host/mnist/", "https://***@host/mnist/"),
    ("https://user:p@ss@host:8443/m?x=1", "https://***@host:8443/m?x=1"),   # an @ in the password, unencoded
    ("https://token@host/", "https://***@host/"),                           # a token as the user name
    ("user:pw@host/mnist/", "***@host/mnist/"),                             # no scheme
    ("https://host/a@b/", "https://host/a@b/"),                             # an @ in the path is no password
    ("file:///srv/mnist/", "file:///srv/mnist/"),
])
def test_public_url_hides_user_and_password(url, shown):
    assert public_url(url) == shown


def test_hide_secrets_blots_the_password_as_written_and_as_decoded():
    url = "https://student:s3cr3t%20p%40ss@host/mnist/"
    said = "refused s3cr3t%20p%40ss, then s3cr3t p@ss, for student"
    assert hide_secrets(said, url) == "refused ***, then ***, for ***"
    assert hide_secrets(said, "https://host/mnist/") == said
