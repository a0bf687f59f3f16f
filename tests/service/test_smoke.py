def test_health_and_openapi(client):
    assert client.get("/healthz").json == {"status": "ok"}
    spec = client.get("/api/v1/openapi.json").json
    for path in ("/api/v1/forms", "/api/v1/forms/{form_id}", "/api/v1/forms/{form_id}/template",
                 "/api/v1/forms/{form_id}/validate", "/api/v1/forms/{form_id}/render",
                 "/api/v1/parse", "/api/v1/cases", "/api/v1/audit"):
        assert path in spec["paths"], path


def test_staff_sees_own_case(client, world):
    response = client.get("/api/v1/cases", headers=world.auth("staff_a"))
    assert response.status_code == 200
    assert [c["id"] for c in response.json] == [world.cases["A"]]
