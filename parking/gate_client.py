"""`openlot-gate`: a gate camera on the command line, for integrators and demos.

    openlot-gate --url http://127.0.0.1:8000 --token olg_... --direction entry --plate ABC-1234

It posts to the gate API exactly as gate hardware does and prints the decision.
Exit status: 0 when the gate opens, 1 when it stays closed, 2 on errors.
"""

import argparse
import json
import sys
import uuid

import requests


def post_read(
    url: str,
    token: str,
    direction: str,
    plate: str,
    *,
    photo_url: str | None = None,
    photo_path: str | None = None,
    read_id: str | None = None,
    timeout: float = 10,
) -> requests.Response:
    endpoint = f"{url.rstrip('/')}/api/gates/{direction}"
    headers = {"Authorization": f"Bearer {token}"}
    fields = {"plate": plate, "read_id": read_id or str(uuid.uuid4())}
    if photo_url:
        fields["photo_url"] = photo_url
    if photo_path:
        with open(photo_path, "rb") as photo:
            return requests.post(
                endpoint, headers=headers, data=fields, files={"photo": photo}, timeout=timeout
            )
    return requests.post(endpoint, headers=headers, json=fields, timeout=timeout)


def describe(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    verdict = "OPEN" if body.get("open") else "CLOSED"
    lines = [f"{verdict}  {body.get('message', '')}  [{response.status_code} {body.get('code')}]"]
    for key in ("plate", "session_id", "available", "amount_due_display"):
        if body.get(key) is not None:
            lines.append(f"  {key}: {body[key]}")
    if body.get("errors"):
        lines.append("  errors: " + json.dumps(body["errors"], ensure_ascii=False))
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--token", required=True, help="the gate's API token")
    parser.add_argument("--plate", required=True, help="the plate as read, e.g. ABC-1234")
    parser.add_argument("--photo-url", help="http(s) URL of the gate's photo")
    parser.add_argument("--photo", dest="photo_path", help="a photo file to upload instead")
    parser.add_argument("--read-id", help="the read's UUID (default: a new one)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="openlot-gate", description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="OpenLot's base URL")
    parser.add_argument("--direction", required=True, choices=["entry", "exit"])
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        response = post_read(
            args.url,
            args.token,
            args.direction,
            args.plate,
            photo_url=args.photo_url,
            photo_path=args.photo_path,
            read_id=args.read_id,
        )
    except FileNotFoundError as exc:
        print(f"error: there is no photo file at {exc.filename}", file=sys.stderr)
        return 2
    except (OSError, requests.RequestException) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(describe(response))
    return exit_status(response)


def exit_status(response: requests.Response) -> int:
    """0 when the gate opens, 1 when it decided to stay closed, 2 when nothing was decided."""
    if response.status_code >= 500 or response.status_code in (400, 401, 403, 413, 415, 422):
        return 2
    return 0 if response.json().get("open") else 1


if __name__ == "__main__":
    sys.exit(main())
