"""deploy/compose.yaml and deploy/images.env: valid, complete, and consistent with Settings."""

from __future__ import annotations

import re
from typing import Any

from tests.deploy.support import DEPLOY, compose_file, images, settings_from, settings_variables

APP_SERVICES = {"gateway", "worker"}
BACKING_SERVICES = {"rabbitmq", "mongo", "s3"}


def seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)s", duration)
    assert match, f"expected a duration like '40s', got {duration!r}"
    return float(match[1])


def services() -> dict[str, Any]:
    found = compose_file()["services"]
    assert isinstance(found, dict)
    return found


def test_images_env_names_every_image_once() -> None:
    named = images()
    assert {"BULKQR_PYTHON_IMAGE", "BULKQR_RABBITMQ_IMAGE", "BULKQR_MONGO_IMAGE",
            "BULKQR_S3_IMAGE"} <= set(named)
    for key, image in named.items():
        name, _, tag = image.rpartition(":")
        assert name and tag and tag != "latest", f"{key} must pin a version: {image}"
    assert named["BULKQR_RABBITMQ_IMAGE"].split(":")[1].startswith("4."), "RabbitMQ 4.x"
    assert named["BULKQR_MONGO_IMAGE"].split(":")[1].startswith("8"), "MongoDB 8"
    raw = (DEPLOY / "compose.yaml").read_text() + (DEPLOY / "Dockerfile").read_text()
    for image in named.values():
        assert image not in raw, f"{image} is written out instead of taken from images.env"


def test_compose_uses_every_image_variable() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    for key in images():
        assert "${" + key in text, f"{key} is defined in images.env but compose.yaml ignores it"


def test_compose_services_and_healthchecks() -> None:
    found = services()
    assert set(found) >= APP_SERVICES | BACKING_SERVICES
    named = set(images().values())
    for name, service in found.items():
        assert service.get("image") in named or name in APP_SERVICES, f"{name}: image not pinned"
        check = service.get("healthcheck", {}).get("test")
        assert isinstance(check, list) and check[0] == "CMD" and len(check) > 1, name
    for name in APP_SERVICES:
        depends = found[name]["depends_on"]
        assert {dep: depends[dep]["condition"] for dep in BACKING_SERVICES} == dict.fromkeys(
            BACKING_SERVICES, "service_healthy")


def test_compose_worker_can_scale() -> None:
    worker = services()["worker"]
    assert "container_name" not in worker and "ports" not in worker
    assert worker["command"] == ["worker"]
    assert services()["gateway"]["command"] == ["gateway"]


def test_compose_builds_the_image_from_the_dockerfile() -> None:
    for name in APP_SERVICES:
        build = services()[name]["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
        assert build["args"]["BULKQR_PYTHON_IMAGE"] == images()["BULKQR_PYTHON_IMAGE"]


def test_compose_bulkqr_variables_are_settings_fields() -> None:
    known = settings_variables()
    for name in APP_SERVICES:
        environment = services()[name]["environment"]
        bulkqr = {k: str(v) for k, v in environment.items() if k.startswith("BULKQR_")}
        unknown = set(bulkqr) - set(known)
        assert not unknown, f"{name} sets variables Settings does not read: {sorted(unknown)}"
        settings = settings_from(bulkqr)
        assert settings.http_host == "0.0.0.0"
        grace_s = seconds(services()[name]["stop_grace_period"])
        assert grace_s > settings.drain_timeout_s + 5, f"{name}: grace must outlast the drain"


def test_compose_servers_match_the_app_settings() -> None:
    found = services()
    settings = settings_from({k: str(v) for k, v in found["worker"]["environment"].items()})
    s3 = found["s3"]["environment"]
    assert (s3["ROOT_ACCESS_KEY"], s3["ROOT_SECRET_KEY"]) == (
        settings.s3_access_key.get_secret_value(), settings.s3_secret_key.get_secret_value())
    rabbit = found["rabbitmq"]["environment"]
    amqp = f"amqp://{rabbit['RABBITMQ_DEFAULT_USER']}:{rabbit['RABBITMQ_DEFAULT_PASS']}@rabbitmq:"
    assert settings.amqp_url.get_secret_value().startswith(amqp)
    mongo = found["mongo"]["environment"]
    login = f"mongodb://{mongo['MONGO_INITDB_ROOT_USERNAME']}:{mongo['MONGO_INITDB_ROOT_PASSWORD']}@"
    assert settings.mongo_url.get_secret_value().startswith(login + "mongo:")
    assert settings.s3_endpoint_url == "http://s3:7070"
    plugins = (DEPLOY / "rabbitmq" / "enabled_plugins").read_text()
    assert "rabbitmq_prometheus" in plugins and "rabbitmq_management" in plugins
