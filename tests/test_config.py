"""Settings are read once, from the environment and the municipality's profile; a profile
that cannot be used is refused with a Danish reason (the command line exits 2)."""
from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from formservice import bootstrap
from formservice.config import ConfigError, Profile, load_config, load_profile, read_profile
from formservice.forms import options
from formservice.services import forms

ROOT = Path(__file__).resolve().parents[1]
HOLBAEK = ROOT / "profiles" / "holbaek.toml"


@pytest.fixture(autouse=True)
def _default_options():
    yield
    options.reset()


def test_the_holbaek_profile_ships_and_loads():
    profile = read_profile(HOLBAEK)
    assert profile.name == "Holbæk Kommune"
    assert profile.meeting_types == (("UM", "Udviklingsmøde"), ("NM", "Netværksmøde"))
    assert "Holbæk" in profile.contact
    assert profile.cpr_enabled is False


@pytest.mark.parametrize("text, reason", [
    ("[municipality]\n", "name mangler"),
    ('[municipality]\nname = "X"\n[rules]\n"findes.ikke" = "error"\n', "ukendt regel"),
    ('[municipality]\nname = "X"\n[rules]\n"meeting.leader_is_note_taker" = "måske"\n',
     "error, warning eller off"),
    ('[municipality]\nname = "X"\nlogo = "mangler.png"\n', "logoet"),
    ("[municipality\nname = 1", "kan ikke læses"),
])
def test_a_profile_that_cannot_be_used_is_refused_in_danish(tmp_path, text, reason):
    path = tmp_path / "profil.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        read_profile(path)
    assert reason in str(refused.value)


def test_single_settings_win_over_the_profile():
    profile = load_profile({"FORMSERVICE_PROFILE": str(HOLBAEK),
                            "FORMSERVICE_MUNICIPALITY": "Vordingborg Kommune",
                            "FORMSERVICE_MEETING_TYPES": "UM=Udviklingsmøde;NM=Netværksmøde;SM=Samarbejdsmøde",
                            "FORMSERVICE_CPR_ENABLED": "1"})
    assert profile.name == "Vordingborg Kommune"
    assert ("SM", "Samarbejdsmøde") in profile.meeting_types and profile.cpr_enabled


def test_the_profile_reaches_the_forms_and_the_documents(tmp_path):
    profile = Profile(name="Samsø Kommune",
                      meeting_types=(("UM", "Udviklingsmøde"), ("NM", "Netværksmøde"),
                                     ("SM", "Samarbejdsmøde")))
    built = bootstrap.build({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                             "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                             "PROFILE": profile}, runner=False)
    try:
        checked = forms.validate(built.profile, "first_meeting",
                                 {"meeting": {"meeting_type": "SM"}, "child": {"name": "Ida"}})
        assert checked.data["meeting"]["meeting_type"] == "SM"
        document, _ = forms.render(built.profile, "first_meeting", checked.data, "docx")
        parts = zipfile.ZipFile(io.BytesIO(document))
        xml = "".join(parts.read(name).decode() for name in parts.namelist()
                      if name.startswith("word/") and name.endswith(".xml"))
        assert "Samsø Kommune" in xml and "Samarbejdsmøde" in xml
        assert forms.parse(built.profile, document).record["data"]["meeting"]["meeting_type"] == "SM"
    finally:
        built.dispose()


def test_the_instance_folder_and_the_sqlite_file_are_private(tmp_path):
    instance = tmp_path / "instance"
    config = load_config({"INSTANCE_PATH": str(instance)}, env={})
    built = bootstrap.build(config, runner=False)
    built.dispose()
    assert oct(instance.stat().st_mode & 0o777) == "0o700"
    assert oct((instance / "formservice.sqlite3").stat().st_mode & 0o777) == "0o600"
    assert oct((instance / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_the_command_line_refuses_a_bad_profile_with_exit_2(tmp_path):
    path = tmp_path / "profil.toml"
    path.write_text('[municipality]\nname = "X"\n[rules]\n"nej" = "error"\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "formservice.cli", "validate", "consent",
                             str(ROOT / "samples" / "consent.json")],
                            env={"PATH": "/usr/bin:/bin", "FORMSERVICE_PROFILE": str(path)},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "ukendt regel 'nej'" in result.stderr and "Traceback" not in result.stderr
