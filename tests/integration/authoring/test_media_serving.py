"""`/media/<sha256>` serves item pictures as immutable, typed, unsniffable; learner pages show
them with their alt text."""

from __future__ import annotations

from tests.integration.authoring.conftest import IMAGE_SLUG


def test_a_picture_is_served_immutable_with_its_type(client, image_assessment):
    response = client.get(f"/media/{image_assessment}")

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG")
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]

    again = client.get(
        f"/media/{image_assessment}", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""


def test_unknown_and_malformed_names_are_not_found(client, image_assessment):
    assert client.get("/media/" + "0" * 64).status_code == 404
    assert client.get("/media/../../etc/passwd").status_code == 404
    assert client.get(f"/media/{image_assessment.upper()}").status_code == 404


def test_a_learner_sees_the_picture_with_its_alt_text(image_assessment, learner_of):
    learner = learner_of(IMAGE_SLUG, locale="es")
    learner.start()

    page = learner.question(1).get_data(as_text=True)

    assert f'<img src="/media/{image_assessment}" alt="Map with a blue square region' in page
    assert "¿Qué región aparece sombreada en azul en el mapa?" in page
