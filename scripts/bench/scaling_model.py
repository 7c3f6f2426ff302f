"""The cost of one mpinmf iteration on P ranks, from a few machine figures: the formulas only
(scripts/bench/model_calibration.py measures the figures, scripts/bench/model prints and draws
the predictions).

One iteration of the engine as built (src/engine/frobenius_loop.cpp, 1D row partition; rank p holds m_p = m/P
rows of V and W and all of H):
  W_pᵀ V_p            2 m_p n k flops                 the product pair: 4 m_p n k flops,
  V_p Hᵀ              2 m_p n k flops                 at the measured GEMM rate
  reduce-scatter of WᵀV (k × n doubles) by column blocks
  update of the rank's n/P columns of H, and their projected gradient   ∝ (n/P) k²
  allgather of H (k × n)
  H Hᵀ on the whole of H on every rank: 2 n k² flops, the same for every P
  update of W_p, WᵀW, the monitor's sums                                ∝ m_p k²
  allreduce of the k × k + 5 monitor doubles
The rules' work is fitted as seconds per row (∝ m_p) and per column (∝ n/P); H Hᵀ is counted
at the GEMM rate apart, because it is the one piece of work that more ranks do not share.

The 2D grid it is compared with (PLANC / MPI-FAUN, Kannan, Ballard & Park 2016): P = pr × pc
ranks, rank (i, j) holds the block V_ij ((m/pr) × (n/pc)), and 1/pc of W's row block i and 1/pr
of H's column block j, so no factor is held whole anywhere. Per iteration:
  allgather W_i in row group i (pc ranks, (m/pr) k doubles); W_iᵀ V_ij; reduce-scatter it in
  column group j (pr ranks, (n/pc) k doubles); update the rank's n/P columns of H; H's Gram from
  those columns and an allreduce of k × k; allgather H_j in column group j; V_ij H_jᵀ;
  reduce-scatter it in row group i; update the rank's m/P rows of W; WᵀW's allreduce.
Words moved per rank ≈ 2 k (m/pr (pc−1)/pc + n/pc (pr−1)/pr) + O(k²), against 1D's
2 k n (P−1)/P: 1D is the grid pr = P, pc = 1. The grid with pr/pc ≈ m/n makes both terms
≈ 2 k √(m n / P), √(P n / m) / 2 times fewer words than 1D where that exceeds 1 (for a square V,
√P / 2); and it shares H Hᵀ among the ranks, which 1D forms whole on every rank.

Collectives over q ranks of N bytes, with latency α and β seconds per byte (Thakur, Rabenseifner
& Gropp 2005, the algorithms Open MPI picks for large messages):
  allgather, reduce-scatter: α ⌈log2 q⌉ + β N (q−1)/q
  allreduce: the cheaper of recursive doubling, α log2 q + β N log2 q, and Rabenseifner's
             reduce-scatter + allgather, 2 α log2 q + 2 β N (q−1)/q.

Network: ranks are placed one per core, cores_per_node consecutive ranks per node. A group of
ranks within one node talks through shared memory (the α and β measured on this machine); a
group spread over nodes pays the network's latency and shares the node's link among all the
node's ranks, which all take part in the same collective at once: β = ranks per node / link
bandwidth. The same rule is charged to 1D and 2D.
"""
import math
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Network:
    latency: float  # α, seconds
    seconds_per_byte: float  # β


@dataclass(frozen=True)
class Machine:
    gemm_flops_per_core: float  # the product pair's rate on one core at this k
    seconds_per_row: float  # the rules' work per row of W (∝ k², fitted at this k)
    seconds_per_column: float  # the rules' work per column of H, H Hᵀ apart
    shared_memory: Network  # between ranks of one node
    network: Network  # between nodes: latency, and the node link's seconds per byte
    cores_per_node: int

    def faster_cores(self, flops_per_core):
        """The same machine with cores flops_per_core / gemm_flops_per_core times as fast at
        everything (products and rules alike)."""
        scale = self.gemm_flops_per_core / flops_per_core
        return replace(self, gemm_flops_per_core=flops_per_core,
                       seconds_per_row=self.seconds_per_row * scale,
                       seconds_per_column=self.seconds_per_column * scale)


@dataclass
class Cost:
    compute: float  # seconds
    communication: float  # seconds
    bytes_sent: float  # per rank, on the wire, per iteration
    grid: tuple

    @property
    def seconds(self):
        return self.compute + self.communication


def _log2(q):
    return math.ceil(math.log2(q)) if q > 1 else 0


def _gather_or_scatter(q, size, net):
    """(seconds, bytes sent per rank) of an allgather or a reduce-scatter of size bytes."""
    if q <= 1:
        return 0.0, 0.0
    sent = size * (q - 1) / q
    return net.latency * _log2(q) + net.seconds_per_byte * sent, sent


def _allreduce(q, size, net):
    if q <= 1:
        return 0.0, 0.0
    doubling = (net.latency * _log2(q) + net.seconds_per_byte * size * _log2(q), size * _log2(q))
    rabenseifner = (2 * net.latency * _log2(q) + 2 * net.seconds_per_byte * size * (q - 1) / q,
                    2 * size * (q - 1) / q)
    return min(doubling, rabenseifner)


def _network_of_group(machine, spans_nodes, ranks_sharing_link):
    if not spans_nodes:
        return machine.shared_memory
    return Network(machine.network.latency,
                   machine.network.seconds_per_byte * ranks_sharing_link)


def iteration_cost(machine, m, n, k, pr, pc, cores=None):
    """One iteration on a pr × pc grid (pc = 1: the engine as built). cores: the cores the
    P ranks share when they are fewer than P (an oversubscribed node: compute stretches by
    P / cores); None for one core per rank."""
    P = pr * pc
    gemm = 4.0 * (m / pr) * (n / pc) * k / machine.gemm_flops_per_core
    rules = machine.seconds_per_row * m / P + machine.seconds_per_column * n / P
    # 1D forms H Hᵀ from all of H on every rank; the grid from its own n/P columns, then sums.
    gram_columns = n if pc == 1 else n / P
    gram = 2.0 * gram_columns * k * k / machine.gemm_flops_per_core
    compute = (gemm + rules + gram) * (P / cores if cores and cores < P else 1.0)

    ranks_per_node = min(P, machine.cores_per_node)
    whole = _network_of_group(machine, P > machine.cores_per_node, ranks_per_node)
    # Row groups are pc consecutive ranks; column groups stride by pc and span what P spans.
    row_group = _network_of_group(machine, pc > machine.cores_per_node, ranks_per_node)
    column_group = whole
    doubles = 8.0
    pieces = [
        _gather_or_scatter(pr, doubles * (n / pc) * k, column_group),  # WᵀV reduce-scatter
        _gather_or_scatter(pr, doubles * (n / pc) * k, column_group),  # H allgather
        _gather_or_scatter(pc, doubles * (m / pr) * k, row_group),  # W allgather
        _gather_or_scatter(pc, doubles * (m / pr) * k, row_group),  # V Hᵀ reduce-scatter
        _allreduce(P, doubles * (k * k + 5), whole),  # WᵀW and the monitor's sums
    ]
    if pc > 1:
        pieces.append(_allreduce(P, doubles * k * k, whole))  # H Hᵀ from the columns
    return Cost(compute, sum(p[0] for p in pieces), sum(p[1] for p in pieces), (pr, pc))


def engine_counted_bytes(n, k, iterations):
    """What the engine's summary reports as moved per rank per iteration. src/parallel/comm.cpp counts
    each call's payload, not the wire, whatever P: per iteration the k × n matrix once for the
    reduce-scatter and once for the allgather, and 2 × the k × k + 5 monitor doubles; once per
    run the first monitor sum, the last iterate's WᵀV reduce-scatter (for its gradient) and two
    scalar sums, spread over the iterations."""
    per_iteration = 2 * k * n + 2 * (k * k + 5)
    once = k * n + 2 * (k * k + 5) + 2 * 2
    return 8.0 * (per_iteration + once / iterations)


def best_grid(machine, m, n, k, P):
    """The fastest pr × pc = P with pr and pc powers of two."""
    grids = [(P >> j, 1 << j) for j in range(_log2(P) + 1)]
    return min((iteration_cost(machine, m, n, k, pr, pc) for pr, pc in grids),
               key=lambda cost: cost.seconds)


def efficiency(one_rank, cost, P):
    return one_rank.seconds / (P * cost.seconds)
