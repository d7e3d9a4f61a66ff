"""Which tests a run selects and how they are split into shards (pure, deterministic)."""

from testforge.domain.crd import Selection
from testforge.domain.suite import SuiteCase


def select(cases: list[SuiteCase], selection: Selection) -> list[SuiteCase]:
    tags = {t.value for t in selection.tags}
    priorities = {p.value for p in selection.priorities}
    wanted = set(selection.cases)
    return [
        case
        for case in cases
        if (not tags or tags & set(case.tags))
        and (not priorities or case.priority in priorities)
        and (not wanted or case.case_id in wanted or case.nodeid in wanted)
    ]


def plan_shards(cases: list[SuiteCase], shards: int) -> list[tuple[str, ...]]:
    """Node ids split into at most `shards` non-empty groups, balanced by count.

    Cases of one file stay together where the counts allow, so each shard collects fewer files;
    the split depends only on the node ids, so a restarted operator plans the same shards.
    """
    nodeids = sorted(c.nodeid for c in cases)
    count = min(shards, len(nodeids))
    if count == 0:
        return []
    size, extra = divmod(len(nodeids), count)
    groups, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        groups.append(tuple(nodeids[start:end]))
        start = end
    return groups
