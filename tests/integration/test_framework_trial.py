"""Law 10 on both databases: a framework scores a list only after the DPO signs off its trial."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from listwarden.bootstrap import Register
from listwarden.domain.errors import AccessDenied
from listwarden.services.assessments import assess_entry
from listwarden.services.compliance_facts import gather_facts
from listwarden.services.entries import NewEvidence
from listwarden.services.frameworks import (
    FrameworkNotActive,
    activate_framework,
    run_trial,
    sign_off_trial,
    trials,
)
from listwarden.store.tables import FrameworkActivation
from tests.factories import add_person, authorised_list, make_cast

PURPOSE = "gang_violence_reduction"
FRAMEWORK = "matrix-2018-example"


def test_no_score_until_a_trial_by_ethnic_group_is_signed_off_and_activated(
    register: Register,
) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    today = register.uow.today()
    shot = [NewEvidence("offence", "perpetrator", today, "Shot", offence_class="firearms")]
    red = add_person(
        register, cast, matrix, 1, evidence=shot, self_defined_ethnicity="black_caribbean"
    )
    add_person(register, cast, matrix, 2, self_defined_ethnicity="white_british")
    add_person(register, cast, matrix, 3, self_defined_ethnicity="white_british")

    with pytest.raises(FrameworkNotActive) as inactive:
        assess_entry(uow=register.uow, actor=cast.iao, entry_id=red, purpose=PURPOSE)
    assert [r.code for r in inactive.value.reasons] == ["framework-not-active"]
    with pytest.raises(FrameworkNotActive):
        activate_framework(uow=register.uow, actor=cast.iao, list_id=matrix, framework=FRAMEWORK)
    for outsider in (cast.officer, cast.iao, cast.dpo):  # only equality analysts see monitoring
        with pytest.raises(AccessDenied):
            run_trial(uow=register.uow, actor=outsider, list_id=matrix, framework=FRAMEWORK)

    trial = run_trial(uow=register.uow, actor=cast.equality, list_id=matrix, framework=FRAMEWORK)

    assert trial.results["entries"] == 3
    by_group = trial.results["by_self_defined_ethnicity"]
    assert sum(by_group["white_british"].values()) == 2
    assert by_group["black_caribbean"]["green"] == 0  # firearms perpetration: not green
    assert set(trial.results["by_identity_code"]) <= {"not recorded"} | {
        f"IC{n}" for n in range(10)
    }
    with pytest.raises(AccessDenied):
        sign_off_trial(uow=register.uow, actor=cast.equality, trial_id=trial.id, note="mine")
    with pytest.raises(AccessDenied):
        sign_off_trial(uow=register.uow, actor=cast.iao, trial_id=trial.id, note="owner")
    signed = sign_off_trial(uow=register.uow, actor=cast.dpo, trial_id=trial.id, note="no gap")
    assert signed.signed_off_by == cast.dpo.id
    assert [t.id for t in trials(uow=register.uow, actor=cast.dpo, list_id=matrix)] == [trial.id]
    with pytest.raises(AccessDenied):
        activate_framework(uow=register.uow, actor=cast.dpo, list_id=matrix, framework=FRAMEWORK)

    activate_framework(uow=register.uow, actor=cast.iao, list_id=matrix, framework=FRAMEWORK)

    assert assess_entry(uow=register.uow, actor=cast.iao, entry_id=red, purpose=PURPOSE).score > 0
    facts = gather_facts(uow=register.uow, verify_log=False)
    assert facts.frameworks_active_without_equality_trial == ()
    with register.engine.begin() as connection:  # another version is active: this one may not score
        connection.execute(update(FrameworkActivation).values(framework_version="0.9"))
    with pytest.raises(FrameworkNotActive) as other:
        assess_entry(uow=register.uow, actor=cast.iao, entry_id=red, purpose=PURPOSE)
    assert "(version 0.9 is)" in other.value.reasons[0].detail
    # Law 12 sees it too: the list is scored under a version with no signed-off trial.
    facts = gather_facts(uow=register.uow, verify_log=False)
    assert facts.frameworks_active_without_equality_trial == (matrix,)
