"""Unit tests of the citus_scale_out_workers filter: which workers a scale-out adds, which are clones, what is wrong."""

from __future__ import annotations

from ansible_collections.pgcitus.cluster.plugins.filter.citus_scale_out_workers import citus_scale_out_workers


def worker(host, port=5432):
    return dict(host=host, name=f"{host}.lan", port=port)


WORKERS = [worker('w1'), worker('w2'), worker('w3'), worker('w4')]
# w1 and w2 are registered workers holding shards; w3 and w4 are new.
ROW = dict(nodes=['c1.lan:5432', 'w1.lan:5432', 'w2.lan:5432'], shard_nodes=['w1.lan:5432', 'w2.lan:5432'],
           clones=[], has_clones=True)


def run(clone_of=None, registered=None, **kw):
    return citus_scale_out_workers(WORKERS, registered or [ROW], clone_of or {}, **kw)


def test_new_workers_without_clones_get_the_roles_and_nothing_is_wrong():
    assert run() == {'new': ['w3', 'w4'], 'clones': [], 'problems': []}


def test_a_worker_missing_from_one_database_is_new():
    other = dict(ROW, nodes=['c1.lan:5432', 'w1.lan:5432'])
    assert run(registered=[ROW, other])['new'] == ['w2', 'w3', 'w4']


def test_a_clone_of_a_loaded_worker_gets_the_roles_and_is_a_clone():
    result = run({'w3': 'w2', 'w4': ''})
    assert result['problems'] == []
    assert result['new'] == ['w3', 'w4']
    assert result['clones'] == [{'host': 'w3', 'name': 'w3.lan', 'port': 5432, 'registered': False,
                                 'primary': {'host': 'w2', 'name': 'w2.lan', 'port': 5432}}]


def test_a_clone_registered_by_an_interrupted_run_is_no_host_for_the_roles():
    result = run({'w3': 'w2'}, [dict(ROW, clones=['w3.lan:5432'])])
    assert result['new'] == ['w4']
    assert result['clones'][0]['host'] == 'w3' and result['clones'][0]['registered'] is True


def test_a_registered_worker_with_citus_clone_of_is_left_alone():
    assert run({'w1': 'w2'}) == {'new': ['w3', 'w4'], 'clones': [], 'problems': []}


def test_wrong_sources_are_refused_with_the_fix():
    problems = run({'w3': 'nowhere', 'w4': 'w3'})['problems']
    assert problems == [
        "citus_clone_of of w3 is nowhere, which is no host of citus_workers: set it to the inventory name of the "
        "worker to copy.",
        "citus_clone_of of w4 is w3, a worker that is new itself: a clone copies a worker that holds shards."]
    assert run({'w3': 'w1'}, [dict(ROW, shard_nodes=['w2.lan:5432'])])['problems'] == [
        "citus_clone_of of w3 is w1 (w1.lan:5432), which the coordinator does not list as an active worker that holds "
        "shards: a clone copies such a worker."]


def test_two_clones_of_one_worker_are_refused_and_no_clone_is_made():
    result = run({'w3': 'w1', 'w4': 'w1'})
    assert result['problems'] == ["several new hosts have citus_clone_of w1: split a worker with one clone per run."]
    assert result['clones'] == []


def test_several_databases_and_an_old_citus_are_refused():
    problems = run({'w3': 'w1'}, [dict(ROW, has_clones=False)], databases=2)['problems']
    assert len(problems) == 2
    assert problems[0].startswith("snapshot-based scale-out (citus_clone_of on w3) copies the whole server, and "
                                  "citus_databases names 2 databases")
    assert problems[1].startswith("citus_clone_of (on w3) needs Citus 13.2 or later")
    assert run({}, [dict(ROW, has_clones=False)], databases=2)['problems'] == []

