"""The workflow class the engine runs: SpiffWorkflow's BpmnWorkflow with task searches that
do not walk the whole history.

`get_tasks(state=READY)` and friends walk the task tree from its root, so every engine step
costs as much as the history is long (a loop's tree is a chain through every past cycle).
Here a search for a few tasks scans the flat task dicts instead, checks that the library's
iterator would reach each match (every ancestor expanded, same subprocess rules), and
sorts the matches into the iterator's depth-first order; anything else (many matches,
unusual arguments, very deep trees) takes the library's own path. The class keeps the
library's name, so the serialized JSON does not change.
"""

from __future__ import annotations

from itertools import islice

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow as SpiffBpmnWorkflow
from SpiffWorkflow.util.task import TaskState

# Searches with more matches than this are cheaper done the library's way.
MAX_FAST_MATCHES = 32
# The library's iterators stop descending at depth 1000; keep well clear of that.
MAX_FAST_DEPTH = 900
FILTER_ARGUMENTS = frozenset({"state", "manual", "spec_name", "lane"})
_UNREACHABLE = object()


def _min_state(state_mask: int) -> int:
    """The lowest state a task must have for the library's iterator to expand it."""
    if state_mask & TaskState.PREDICTED_MASK:
        return TaskState.MAYBE
    if state_mask & TaskState.DEFINITE_MASK:
        return TaskState.FUTURE
    return TaskState.COMPLETED


_NOT_FROZEN = TaskState.NOT_FINISHED_MASK | TaskState.ERROR


def _first(pair):
    return pair[0]


class BpmnWorkflow(SpiffBpmnWorkflow):
    """SpiffWorkflow's BpmnWorkflow, with the same answers found faster.

    The first `frozen_tasks` tasks of the top-level task dict are finished for good
    (stored apart, decision 0010; `serializer.save_state` keeps them so): searches for
    unfinished tasks start after them.
    """

    frozen_tasks = 0
    frozen_last = None  # the id of the last frozen task
    thawed = False  # unfrozen since the last save: the stored chunks are void

    def freeze(self, count: int, last_id) -> None:
        self.frozen_tasks, self.frozen_last = count, last_id

    def unfreeze(self) -> None:
        """Before changing a finished task: nothing is frozen any more, what was derived from
        the frozen tasks goes, and the next save writes every task into the row again."""
        if self.frozen_tasks:
            self.thawed = True
        self.frozen_tasks, self.frozen_last = 0, None
        self.__dict__.pop("_frozen_leaves", None)
        self.__dict__.pop("_finished_keys", None)

    def reset_from_task_id(self, task_id, data=None):
        """Resetting may make a finished task run again (send work back): unfreeze first."""
        self.unfreeze()
        return super().reset_from_task_id(task_id, data)

    def live_tasks(self):
        """The top-level tasks after the frozen ones: every unfinished task is here."""
        tasks = self.tasks.values()
        return islice(tasks, self.frozen_tasks, None) if self.frozen_tasks else tasks

    def frozen_leaves(self):
        """Completed frozen tasks none of whose frozen children completed (children come
        after their parent in the dict, so each extension of the prefix updates this)."""
        upto, leaves = self.__dict__.get("_frozen_leaves", (0, {}))
        if upto > self.frozen_tasks:
            upto, leaves = 0, {}
        if upto < self.frozen_tasks:
            done = TaskState.COMPLETED
            for task in islice(self.tasks.values(), upto, self.frozen_tasks):
                if task.state == done:
                    leaves.pop(task._parent, None)
                    leaves[task.id] = task
            self._frozen_leaves = (self.frozen_tasks, leaves)
        return leaves.values()

    def get_tasks(self, first_task=None, **kwargs):
        if first_task is None and set(kwargs) - {"skip_subprocesses"} <= FILTER_ARGUMENTS:
            found = self._find_few(**kwargs)
            if found is not None:
                return found
        return super().get_tasks(first_task, **kwargs)

    def is_completed(self) -> bool:
        """The library asks its iterator for any unfinished task, and the iterator reaches
        every task of a tree less than 1000 deep: so an unfinished task found in the task
        dict, not too deep, is the same answer. (Past that depth the library's answer is
        wrong, and the engine stops such instances; we still give the library's answer.)"""
        if self.completed:
            return True
        unfinished = next(
            (task for task in self.live_tasks() if task.state & TaskState.NOT_FINISHED_MASK),
            None,
        )
        if unfinished is None:
            self.completed = True
            return True
        if self.depth(unfinished) <= MAX_FAST_DEPTH:
            return False
        return super().is_completed()

    @property
    def depths(self) -> dict:
        """Known depths by task id (a task's parent never changes, nor does its depth)."""
        return self.__dict__.setdefault("_depths", {})

    def depth(self, task) -> int:
        """Steps from the root of the task's own (sub-)workflow tree, remembered: a walk up
        stops at the first ancestor met before, so asking costs what the tree grew."""
        depths, path = self.depths, []
        while task is not None and task.id not in depths:
            path.append(task)
            task = task.parent
        depth = -1 if task is None else depths[task.id]
        for ancestor in reversed(path):
            depth += 1
            depths[ancestor.id] = depth
        return depth

    def update_waiting_tasks(self) -> None:
        """The library walks the whole tree after every completed task to update WAITING
        tasks; with none in the tree (most steps) that walk would find nothing."""
        waiting = TaskState.WAITING
        for task in self.live_tasks():
            if task._state == waiting:
                super().update_waiting_tasks()
                return

    def _find_few(
        self,
        skip_subprocesses: bool = False,
        state: int = TaskState.ANY_MASK,
        manual=None,
        spec_name=None,
        lane=None,
    ):
        """The tasks `BpmnTaskIterator` would yield, in its order; None: use the iterator.

        The filter is `BpmnTaskFilter`'s, written out: the engine asks several times per
        step, and building and calling the filter cost more than the scan."""
        mask = state
        workflows = [self] if skip_subprocesses else [self, *self.subprocesses.values()]
        matches = []
        for workflow in workflows:
            tasks = workflow.tasks.values()
            if workflow is self and not mask & ~_NOT_FROZEN:
                tasks = self.live_tasks()
            for task in tasks:
                if not task._state & mask:
                    continue
                spec = task.task_spec
                if (
                    (manual is None or spec.manual == manual)
                    and (spec_name is None or spec.name == spec_name)
                    and (lane is None or spec.lane == lane)
                ):
                    matches.append(task)
                    if len(matches) > MAX_FAST_MATCHES:
                        return None
        if not matches:
            return matches
        min_state = _min_state(mask)
        keyed = []
        for task in matches:
            key = self.iteration_key(task, min_state, mask, skip_subprocesses)
            if key is None:
                return None
            if key is not _UNREACHABLE:
                keyed.append((key, task))
        if len(keyed) > 1:
            keyed.sort(key=_first)
        return [task for _, task in keyed]

    def iteration_key(self, task, min_state: int, mask: int, skip_subprocesses: bool):
        """The task's position in the iterator's depth-first order (a subprocess's tree
        comes before its host task's children), `_UNREACHABLE` if the iterator would not get
        there, or None if too deep to tell cheaply.

        Positions of finished top-level tasks whose ancestors are all finished are kept:
        such a task's place never moves (a finished task gets no new children) and the
        iterator always passes it, so the walk up stops at the first one it meets.
        """
        known = self.__dict__.setdefault("_finished_keys", {})
        # Most tasks asked about hang from a task whose position is known: one step.
        base = known.get(task._parent)
        if base is not None and task.workflow is self and len(base) < MAX_FAST_DEPTH:
            return (*base, self.tasks[task._parent]._children.index(task.id))
        walked, path, node, base = [], [], task, None
        while base is None:
            if node.id in known:
                base = known[node.id]
                break
            walked.append(node)
            if len(walked) > MAX_FAST_DEPTH:
                return None
            parent = node.parent
            if parent is None:
                workflow = node.workflow
                if workflow is self:
                    base = ()
                    break
                if skip_subprocesses:
                    return _UNREACHABLE
                host = self.get_task_from_id(workflow.parent_task_id)
                if host.state >= TaskState.FINISHED_MASK and mask <= TaskState.FINISHED_MASK:
                    return _UNREACHABLE
                path.append(-1)
                node = host
                continue
            if parent.state < min_state and parent.id not in self.subprocesses:
                return _UNREACHABLE
            path.append(parent._children.index(node.id))
            node = parent
        path.reverse()
        key = base + tuple(path)
        if len(key) > MAX_FAST_DEPTH:
            return None
        # Top down: the node where the walk stopped has position `base`, each next one
        # adds one step of the path.
        nodes = list(reversed(walked))
        if node.id in known:
            nodes.insert(0, node)
        for depth, each in enumerate(nodes):
            if each.workflow is not self or not each.state & TaskState.FINISHED_MASK:
                break
            known.setdefault(each.id, base + tuple(path[:depth]))
        return key


def completed_frontier(workflow: BpmnWorkflow):
    """The completed top-level tasks none of whose children completed, ordered as
    `runner.data()` merges them (by completion time), or None when the answer needs the
    library's iterator (equal completion times keep its depth-first order).

    A live task's children are live too (they come after it), so only the frozen leaves
    and the live tasks are looked at."""
    done = TaskState.COMPLETED
    live = [task for task in workflow.live_tasks() if task.state == done]
    with_done_child = {task._parent for task in live}
    frontier = []
    for task in [*workflow.frozen_leaves(), *live]:
        if task.id in with_done_child:
            continue
        key = workflow.iteration_key(task, TaskState.COMPLETED, done, True)
        if key is None:
            return None
        if key is not _UNREACHABLE:
            frontier.append(task)
    times = [task.last_state_change for task in frontier]
    if len(set(times)) != len(times):
        return None
    frontier.sort(key=lambda task: task.last_state_change)
    return frontier
