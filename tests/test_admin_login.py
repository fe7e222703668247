"""Admin login: rate-limited against password guessing, per username and per address."""

import pytest

LOGIN = "/admin/login/"
LOCKED_OUT = "Too many failed logins for this account or from your address."


def log_in(client, username, password, address="203.0.113.7", **headers):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, headers=headers
    )


def logged_in(response) -> bool:
    return response.status_code == 302


@pytest.fixture(autouse=True)
def limits(settings):
    settings.LOGIN_MAX_FAILURES_PER_USER_AND_ADDRESS = 5
    settings.LOGIN_MAX_FAILURES_PER_USER = 20
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 30
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60


def test_an_owner_logs_in(client, owner):
    assert logged_in(log_in(client, "alice", "alice-pass"))


def test_five_wrong_passwords_lock_the_account_at_that_address_even_against_the_right_one(
    client, owner, clock
):
    for _attempt in range(5):
        assert (
            "Please enter the correct username" in log_in(client, "alice", "guess").content.decode()
        )

    response = log_in(client, "alice", "alice-pass")

    assert not logged_in(response)
    assert LOCKED_OUT in response.content.decode()
    assert "Try again in 15 minutes." in response.content.decode()


def test_a_one_minute_lock_is_said_in_the_singular(client, owner, clock, settings):
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 60
    for _attempt in range(5):
        log_in(client, "alice", "guess")

    response = log_in(client, "alice", "alice-pass")

    assert "Try again in 1 minute." in response.content.decode()


def test_the_lock_lifts_when_the_window_has_passed(client, owner, clock):
    for _attempt in range(5):
        log_in(client, "alice", "guess")

    clock.advance(minutes=14)
    assert not logged_in(log_in(client, "alice", "alice-pass"))
    clock.advance(minutes=2)
    assert logged_in(log_in(client, "alice", "alice-pass"))


def test_a_guesser_at_one_address_does_not_lock_the_owner_out(client, owner, clock):
    for _attempt in range(5):
        log_in(client, "alice", "guess", address="198.51.100.1")
    assert not logged_in(log_in(client, "alice", "alice-pass", address="198.51.100.1"))

    # Further guesses from there are refused uncounted: they never add up to a lock.
    for _attempt in range(30):
        refused = log_in(client, "Alice", "guess", address="198.51.100.1")
        assert LOCKED_OUT in refused.content.decode()

    assert logged_in(log_in(client, "alice", "alice-pass", address="192.0.2.1"))


def test_guesses_from_several_addresses_lock_the_account_everywhere_for_any_spelling(
    client, owner, clock
):
    for number in range(20):
        log_in(client, "alice", "guess", address=f"198.51.100.{number % 4}")

    assert not logged_in(log_in(client, "ALICE", "alice-pass", address="192.0.2.1"))
    assert not logged_in(log_in(client, "alice", "alice-pass", address="192.0.2.1"))
    clock.advance(minutes=16)
    assert logged_in(log_in(client, "alice", "alice-pass", address="192.0.2.1"))


def test_a_successful_login_clears_the_account_wide_count(client, owner, clock):
    for number in range(19):
        log_in(client, "alice", "guess", address=f"198.51.100.{number % 4}")
    assert logged_in(log_in(client, "alice", "alice-pass", address="192.0.2.1"))
    client.logout()

    # The login cleared the account's count: 19 more are not a lock either.
    for number in range(19):
        log_in(client, "alice", "guess", address=f"203.0.113.{number % 4}")
    assert logged_in(log_in(client, "alice", "alice-pass", address="192.0.2.1"))


def test_other_accounts_are_not_locked_by_guesses_at_one(client, owner, other_owner, clock):
    for _attempt in range(5):
        log_in(client, "alice", "guess")

    assert logged_in(log_in(client, "bob", "bob-pass", address="192.0.2.1"))


def test_a_successful_login_clears_the_accounts_count(client, owner, clock):
    for _attempt in range(4):
        log_in(client, "alice", "guess")
    assert logged_in(log_in(client, "alice", "alice-pass"))
    client.logout()

    for _attempt in range(4):
        log_in(client, "alice", "guess")
    assert logged_in(log_in(client, "alice", "alice-pass"))


def test_one_address_guessing_at_many_accounts_is_locked_out(client, owner, settings, clock):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 10
    for number in range(10):
        log_in(client, f"user{number}", "guess")

    assert not logged_in(log_in(client, "alice", "alice-pass"))
    assert logged_in(log_in(client, "alice", "alice-pass", address="192.0.2.1"))


def test_one_ipv6_network_guessing_from_many_of_its_addresses_is_locked_out(
    client, owner, settings, clock
):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 10
    for number in range(10):
        log_in(client, f"user{number}", "guess", address=f"2001:db8:5:6::{number + 1:x}")

    assert not logged_in(log_in(client, "alice", "alice-pass", address="2001:db8:5:6::beef"))
    assert logged_in(log_in(client, "alice", "alice-pass", address="2001:db8:5:7::1"))


def test_behind_a_proxy_the_address_comes_from_its_header(client, owner, settings, clock):
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    for number in range(3):
        log_in(client, f"user{number}", "guess", address="10.0.0.1",
               **{"X-Forwarded-For": "1.2.3.4, 203.0.113.7"})  # fmt: skip

    # The same proxy, another client: not locked out. The client's own claim is ignored.
    other = log_in(client, "alice", "alice-pass", address="10.0.0.1",
                   **{"X-Forwarded-For": "203.0.113.7, 198.51.100.9"})  # fmt: skip
    assert logged_in(other)
    client.logout()
    spoofed = log_in(client, "alice", "alice-pass", address="10.0.0.1",
                     **{"X-Forwarded-For": "198.51.100.9, 203.0.113.7"})  # fmt: skip
    assert not logged_in(spoofed)


def test_a_non_staff_user_with_the_right_password_is_refused_without_counting(
    client, outsider, clock
):
    for _attempt in range(6):
        response = log_in(client, "charlie", "charlie-pass")
        assert not logged_in(response)
        assert LOCKED_OUT not in response.content.decode()


def test_behind_a_proxy_the_django_spelling_of_the_header_works_too(client, owner, settings, clock):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    for n in range(3):
        log_in(
            client, f"user{n}", "guess", address="10.0.0.1", **{"X-Forwarded-For": f"203.0.113.{n}"}
        )

    response = log_in(
        client, "alice", "alice-pass", address="10.0.0.1", **{"X-Forwarded-For": "198.51.100.9"}
    )

    assert logged_in(response)
