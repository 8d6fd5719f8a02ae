"""`flask forms ...` and `flask certificates ...` as an admin uses them."""

from __future__ import annotations

from sqlalchemy import func, select

from lti_tool import db
from lti_tool.forms.demo import load_demo_forms
from lti_tool.forms.models import FormAttachment, FormVersion

QUESTIONS = "questions: [{id: c, type: text, text: {en: A}}]\n"


def test_import_attach_options_and_list(app, runner, version, tmp_path):
    result = runner.invoke(args=["forms", "import"])
    assert result.exit_code == 0, result.output
    assert "emm2-course-evaluation: version 1 (new)" in result.output
    again = runner.invoke(args=["forms", "import"])
    assert "emm2-course-evaluation: version 1 (unchanged)" in again.output

    result = runner.invoke(
        args=["forms", "attach", "emm2-final", "emm2-course-evaluation", "--required"]
    )
    assert result.exit_code == 0 and "(required for the certificate)" in result.output
    result = runner.invoke(
        args=["forms", "attach", "emm2-final", "emm2-entry-questionnaire", "--required"]
    )
    assert result.exit_code == 1 and "cannot be required" in result.output
    assert runner.invoke(args=["forms", "attach", "nope", "emm2-course-evaluation"]).exit_code == 1

    result = runner.invoke(
        args=["forms", "options", "emm2-final", "--hide-score", "--names-beside-answers"]
    )
    assert result.exit_code == 0
    assert (
        "score on certificate: no" in result.output and "answers beside names: yes" in result.output
    )

    listed = runner.invoke(args=["forms", "list"]).output
    assert (
        "emm2-course-evaluation  [evaluation]  v1  languages en,es,fr,tr,id"
        "  used by: emm2-final (required)" in listed
    )

    assert (
        runner.invoke(args=["forms", "detach", "emm2-final", "emm2-course-evaluation"]).exit_code
        == 0
    )
    assert (
        runner.invoke(args=["forms", "detach", "emm2-final", "emm2-course-evaluation"]).exit_code
        == 1
    )


def test_a_broken_form_file_imports_nothing(app, runner, tmp_path):
    (tmp_path / "good.yaml").write_text(
        "form: {slug: good, kind: evaluation, title: {en: Good}}\n"
        "questions: [{id: c, type: text, text: {en: Comments}}]\n"
    )
    (tmp_path / "bad.yaml").write_text(
        "form: {slug: bad, kind: evaluation, title: {en: Bad}}\nquestions: []\n"
    )
    result = runner.invoke(args=["forms", "import", str(tmp_path)])
    assert result.exit_code == 1 and "at least one question" in result.output
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(FormVersion)) == 0


def test_a_changed_form_gets_a_new_version_and_cannot_change_kind(app, runner, tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("form: {slug: f, kind: evaluation, title: {en: One}}\n" + QUESTIONS)
    assert runner.invoke(args=["forms", "import", str(path)]).exit_code == 0
    path.write_text("form: {slug: f, kind: evaluation, title: {en: Two}}\n" + QUESTIONS)
    assert "f: version 2 (new)" in runner.invoke(args=["forms", "import", str(path)]).output
    path.write_text("form: {slug: f, kind: self_assessment, title: {en: Two}}\n" + QUESTIONS)
    result = runner.invoke(args=["forms", "import", str(path)])
    assert result.exit_code == 1 and "cannot change its kind" in result.output


def test_demo_forms_attach_once_and_leave_admin_choices_alone(app, clock, version, runner):
    with app.app_context():
        lines = list(load_demo_forms(db.session(), now=clock.now()))
        db.session().commit()
    assert "Assessment emm2-final uses form emm2-course-evaluation (required)" in lines
    runner.invoke(args=["forms", "attach", "emm2-final", "emm2-course-evaluation", "--optional"])
    with app.app_context():
        again = list(load_demo_forms(db.session(), now=clock.now()))
        db.session().commit()
        rows = {
            a.kind: a.required_for_certificate for a in db.session().scalars(select(FormAttachment))
        }
    assert not any("uses form" in line for line in again)
    assert rows == {"evaluation": False, "self_assessment": True, "entry": False}


def test_certificate_commands_explain_unknown_codes(runner, app):
    result = runner.invoke(args=["certificates", "show", "ABCD-ABCD-ABCD-ABCD"])
    assert result.exit_code == 1 and "No certificate has the code" in result.output
    assert runner.invoke(args=["certificates", "list"]).exit_code == 0
