"""A max-flow network (Dinic) with integer capacities: the solver's tool for dealing CU out exactly."""

from __future__ import annotations

from typing import Any

INF = 1 << 62  # a capacity, and a bound, that no amount of milli-CU reaches


class Flow:
    """A max-flow network (Dinic) with integer capacities, its nodes any hashable values."""

    def __init__(self) -> None:
        self.index: dict[Any, int] = {}
        self.adjacent: list[list[int]] = []
        self.to: list[int] = []
        self.cap: list[int] = []
        self.edges: dict[tuple[Any, Any], int] = {}

    def node(self, name: Any) -> int:
        i = self.index.get(name)
        if i is None:
            i = self.index[name] = len(self.adjacent)
            self.adjacent.append([])
        return i

    def add(self, a: Any, b: Any, capacity: int) -> None:
        i, j = self.node(a), self.node(b)
        self.edges[(a, b)] = len(self.to)
        self.adjacent[i].append(len(self.to))
        self.to.append(j)
        self.cap.append(capacity)
        self.adjacent[j].append(len(self.to))
        self.to.append(i)
        self.cap.append(0)

    def flow(self, a: Any, b: Any) -> int:
        """The flow on the edge a -> b (0 if there is none)."""
        e = self.edges.get((a, b))
        return 0 if e is None else self.cap[e ^ 1]

    def run(self, source: Any, sink: Any) -> int:
        if source not in self.index or sink not in self.index:
            return 0
        s, t = self.index[source], self.index[sink]
        total = 0
        while True:
            level = [-1] * len(self.adjacent)
            level[s] = 0
            queue = [s]
            for i in queue:
                for e in self.adjacent[i]:
                    if self.cap[e] > 0 and level[self.to[e]] < 0:
                        level[self.to[e]] = level[i] + 1
                        queue.append(self.to[e])
            if level[t] < 0:
                return total
            pointer = [0] * len(self.adjacent)
            while True:
                pushed = self._push(s, t, INF, level, pointer)
                if not pushed:
                    break
                total += pushed

    def _push(self, start: int, t: int, limit: int, level: list[int], pointer: list[int]) -> int:
        # Iterative DFS along the level graph: a path from `start` to `t`, then its bottleneck.
        path: list[int] = []
        i = start
        while True:
            if i == t:
                amount = min([limit, *(self.cap[e] for e in path)])
                for e in path:
                    self.cap[e] -= amount
                    self.cap[e ^ 1] += amount
                return amount
            edges = self.adjacent[i]
            while pointer[i] < len(edges):
                e = edges[pointer[i]]
                if self.cap[e] > 0 and level[self.to[e]] == level[i] + 1:
                    break
                pointer[i] += 1
            else:
                if not path:
                    return 0
                level[i] = -1  # a dead end: no path through it in this phase
                e = path.pop()
                i = self.to[e ^ 1]
                pointer[i] += 1
                continue
            path.append(e)
            i = self.to[e]
