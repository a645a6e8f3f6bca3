from __future__ import annotations

from flask.testing import FlaskClient


def test_unknown_page_is_a_404_page(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Page not found" in response.get_data(as_text=True)


def test_errors_are_json_when_the_client_asks_for_json(client: FlaskClient) -> None:
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_domain_errors_map_to_their_status(client: FlaskClient) -> None:
    for status in (400, 403, 404, 409, 410):
        response = client.get(f"/probe/raise/{status}")
        assert response.status_code == status
        assert f"raised {status}" in response.get_data(as_text=True)


def test_unexpected_errors_show_a_generic_500_page(client: FlaskClient) -> None:
    response = client.get("/probe/crash")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong on our side" in body
    assert "secret detail" not in body  # the exception text is logged, not shown
