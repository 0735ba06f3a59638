"""Builds models/env-novelty.onnx: the streaming environment detector's scoring graph.

No weights are learned: the graph is a fixed computation whose few constants (embedding length, resolution, smoothing
length, trimmed share, repeats, level width, confirming z-score) were chosen by scoring with `npx ioc eval nab` (see
models/env-novelty.md). Run with Debian's python3-onnx:
    /usr/bin/python3 analytics-lab/training/make_env_novelty.py
"""
import math
import os
import sys

import onnx
from onnx import TensorProto, helper

EMBEDDING = int(os.environ.get('EMBEDDING', 8))  # block means per context vector
BLOCK = int(os.environ.get('BLOCK', 2))  # values averaged into one block mean (the novelty's resolution)
SMOOTHING = int(os.environ.get('SMOOTHING', 20))  # novelty scores averaged into the likelihood
TRIM = float(os.environ.get('TRIM', 0.05))  # share of the largest past scores left out of the likelihood's Gaussian
REPEATS = int(os.environ.get('REPEATS', 2))  # earlier separate excursions to the current level that make it not new
LEVEL = float(os.environ.get('LEVEL', 1.0))  # width of a quantised level, in robust standard deviations
RECENT = int(os.environ.get('RECENT', SMOOTHING))  # latest values in which a level new to the window confirms the novelty
CONFIRM_Z = float(os.environ.get('CONFIRM_Z', 2.0))  # z-score that reaches the threshold once a new level confirms it
THRESHOLD_Z = math.log(1000) / math.sqrt(2)  # z-score at which the Laplace likelihood reaches the detector's 0.9995
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'analytics', 'models', 'env-novelty.onnx')

nodes = []
inits = []


def const(name, values, dtype=TensorProto.INT64):
    inits.append(helper.make_tensor(name, dtype, [len(values)], values))
    return name


def scalar(name, value):
    inits.append(helper.make_tensor(name, TensorProto.FLOAT, [], [value]))
    return name


def scalar_int(name, value):
    inits.append(helper.make_tensor(name, TensorProto.INT64, [], [value]))
    return name


def node(op, inputs, output, **attrs):
    nodes.append(helper.make_node(op, inputs, [output], **attrs))
    return output


def upper_median(x, tag):
    """Element at sorted index floor(n/2) along axis 1, as [B, 1]: the smallest of the n - floor(n/2) largest."""
    n = node('Gather', [node('Shape', [x], f'{tag}_shape'), const(f'{tag}_one', [1])], f'{tag}_n')
    k = node('Sub', [n, node('Div', [n, const(f'{tag}_two', [2])], f'{tag}_half')], f'{tag}_k')
    top = helper.make_node('TopK', [x, k], [f'{tag}_top', f'{tag}_idx'], axis=1, largest=1, sorted=1)
    nodes.append(top)
    return node('Slice', [f'{tag}_top', const(f'{tag}_s', [-1]), const(f'{tag}_e', [2**62]), const(f'{tag}_a', [1])], f'{tag}_median')


# Robust standardisation of the window: median and MAD, with a floor of 1 % of the range for flat series.
window = 'window'
median = upper_median(window, 'med')
deviation = node('Abs', [node('Sub', [window, median], 'centred')], 'abs_dev')
mad = upper_median(deviation, 'mad')
axis1 = const('axis1', [1])
spread = node('Sub', [node('ReduceMax', [window], 'wmax', axes=[1], keepdims=1), node('ReduceMin', [window], 'wmin', axes=[1], keepdims=1)], 'range')
scale = node('Max', [node('Mul', [mad, scalar('mad_to_sigma', 1.4826)], 'sigma'), node('Mul', [spread, scalar('range_floor', 0.01)], 'floor'), scalar('tiny', 1e-9)], 'scale')
z = node('Div', ['centred', scale], 'z')

# The window at half resolution (BLOCK values per mean, blocks aligned on the newest value, older remainder dropped):
# twice the context for the same cost, and a single noisy reading weighs less.
values = node('Gather', [node('Shape', [z], 'z_shape'), const('z_one', [1])], 'z_n')
blocks = node('Div', [values, const('block', [BLOCK])], 'blocks')
kept = node('Mul', [blocks, const('block_b', [BLOCK])], 'kept')
recent_z = node('Slice', [z, node('Neg', [kept], 'kept_neg'), const('z_end', [2**62]), const('z_axis', [1])], 'recent_z')
block_shape = node('Concat', [const('keep_batch', [0]), blocks, const('block_c', [BLOCK])], 'block_shape', axis=0)
z = node('ReduceMean', [node('Reshape', [recent_z, block_shape], 'z_blocks')], 'z_means', axes=[2], keepdims=0)

# Nearest-neighbour distance of the newest context vector (last EMBEDDING block means) to every earlier one that does
# not overlap it: the "how unlike anything in this window's past is now" novelty.
squared = []
for j in range(EMBEDDING):
    past = node('Slice', [z, const(f'ps{j}', [j]), const(f'pe{j}', [j - (2 * EMBEDDING - 1)]), axis1], f'past{j}')
    now = node('Slice', [z, const(f'ns{j}', [j - EMBEDDING]), const(f'ne{j}', [j - EMBEDDING + 1 if j < EMBEDDING - 1 else 2**62]), axis1], f'now{j}')
    diff = node('Sub', [past, now], f'diff{j}')
    squared.append(node('Mul', [diff, diff], f'sq{j}'))
total = squared[0]
for j in range(1, EMBEDDING):
    total = node('Add', [total, squared[j]], f'sum{j}')
mean_sq = node('Div', [total, scalar('embedding', float(EMBEDDING))], 'mean_sq')
novelty_col = node('Sqrt', [node('ReduceMin', [mean_sq], 'min_sq', axes=[1], keepdims=1)], 'novelty_col')
node('Squeeze', [novelty_col, axis1], 'novelty')

# Likelihood: the latest SMOOTHING novelty scores' mean against the mean and standard deviation of the earlier ones,
# leaving out their largest TRIM share (earlier episodes must not hide the next one), read as a Laplace tail: novelty
# scores are distances, whose tail is exponential rather than Gaussian.
past_scores = 'past_scores'
m = node('Gather', [node('Shape', [past_scores], 'ps_shape'), const('ps_one', [1])], 'ps_n')
dropped = node('Cast', [node('Floor', [node('Mul', [node('Cast', [m], 'ps_n_f', to=TensorProto.FLOAT), scalar('trim', TRIM)], 'ps_trim_f')], 'ps_trim_floor')], 'ps_trim', to=TensorProto.INT64)
largest = helper.make_node('TopK', [past_scores, node('Add', [dropped, const('ps_plus_one', [1])], 'ps_k')], ['ps_top', 'ps_top_idx'], axis=1, largest=1, sorted=1)
nodes.append(largest)
cutoff = node('Slice', ['ps_top', const('cut_s', [-1]), const('cut_e', [2**62]), axis1], 'cutoff')
kept_mask = node('Cast', [node('LessOrEqual', [past_scores, cutoff], 'ps_kept_bool')], 'ps_kept', to=TensorProto.FLOAT)
count = node('ReduceSum', [kept_mask, axis1], 'ps_count', keepdims=1)
kept_scores = node('Mul', [past_scores, kept_mask], 'ps_kept_scores')
mu = node('Div', [node('ReduceSum', [kept_scores, axis1], 'ps_sum', keepdims=1), count], 'mu')
mean_sq_scores = node('Div', [node('ReduceSum', [node('Mul', [kept_scores, past_scores], 'ps_sq'), axis1], 'ps_sum_sq', keepdims=1), count], 'ms')
var = node('Sub', [mean_sq_scores, node('Mul', [mu, mu], 'mu_sq')], 'var')
sd = node('Add', [node('Sqrt', [node('Relu', [var], 'var_pos')], 'sd0'), scalar('sd_floor', 1e-9)], 'sd')
recent = node('Slice', [node('Concat', [past_scores, novelty_col], 'all_scores', axis=1), const('rs', [-SMOOTHING]), const('re', [2**62]), axis1], 'recent')
short = node('ReduceMean', [recent], 'short', axes=[1], keepdims=1)
zscore = node('Div', [node('Sub', [short, mu], 'excess'), sd], 'zs')

# Recurring excursions are not new: when the stream's earlier SMOOTHING-score means (those ending at least SMOOTHING
# scores ago, so not overlapping the current one) rose to the current mean in REPEATS or more separate excursions,
# the z-score is capped at 0. One earlier, larger episode does not hide a second one; spikes that keep coming back
# at varying heights do not fire again and again.
box = helper.make_tensor('box', TensorProto.FLOAT, [1, 1, SMOOTHING], [1.0 / SMOOTHING] * SMOOTHING)
inits.append(box)
padded = node('Pad', [past_scores, const('ps_pads', [0, SMOOTHING - 1, 0, 0])], 'ps_padded')  # Conv needs >= SMOOTHING
means = node('Squeeze', [node('Conv', [node('Unsqueeze', [padded, axis1], 'ps_3d'), 'box'], 'ps_means_3d'), axis1], 'ps_means')
earlier = node('Slice', [means, const('em_s', [SMOOTHING - 1]), const('em_e', [-(SMOOTHING - 1)]), axis1], 'earlier_means')
reached = node('Cast', [node('GreaterOrEqual', [earlier, short], 'reached_bool')], 'reached', to=TensorProto.FLOAT)
never = node('Mul', [node('Slice', [past_scores, const('nv_s', [0]), const('nv_e', [1]), axis1], 'ps_first'), scalar('zero', 0.0)], 'never')
reached = node('Concat', [never, reached], 'reached_from_zero', axis=1)  # an excursion starts where 0 turns to 1
rises = node('Mul', [
    node('Slice', [reached, const('ri_s', [1]), const('ri_e', [2**62]), axis1], 'reached_next'),
    node('Sub', [scalar('one', 1.0), node('Slice', [reached, const('rp_s', [0]), const('rp_e', [-1]), axis1], 'reached_prev')], 'not_reached_prev'),
], 'rises')
excursions = node('ReduceSum', [rises, axis1], 'excursions', keepdims=1)
repeated = node('Cast', [node('GreaterOrEqual', [excursions, scalar('repeats', float(REPEATS))], 'repeated_bool')], 'repeated', to=TensorProto.FLOAT)
zscore = node('Sub', [zscore, node('Mul', [node('Relu', [zscore], 'zs_pos'), repeated], 'zs_cut')], 'zs_new')

# New contexts (after CAD OSE, the Contextual Anomaly Detector, whose score is the share of the newest contexts never
# seen before; here over the window instead of a learned memory): each value's level is its robust z-score quantised
# to LEVEL standard deviations, and a level is new when no earlier value of the window sat on it. When one of the
# latest RECENT values reached a new level, a smaller novelty suffices: the positive z-score is scaled so that
# CONFIRM_Z reaches the threshold that THRESHOLD_Z reaches otherwise.
levels = node('Floor', [node('Div', ['z', scalar('level', LEVEL)], 'z_in_levels')], 'levels')
n_values = node('Squeeze', [node('Gather', [node('Shape', [levels], 'lv_shape'), const('lv_one', [1])], 'lv_n1')], 'lv_n')
latest = node('Slice', [levels, const('lt_s', [-RECENT]), const('lt_e', [2**62]), axis1], 'latest_levels')
same = node('Equal', [node('Unsqueeze', [latest, const('ax2', [2])], 'latest_3d'), node('Unsqueeze', [levels, axis1], 'levels_3d')], 'same_level')
positions = node('Range', [scalar_int('r_zero', 0), n_values, scalar_int('r_step', 1)], 'positions')
first_latest = node('Max', [node('Sub', [n_values, scalar_int('recent_n', RECENT)], 'lp_start0'), scalar_int('lp_zero', 0)], 'lp_start')  # short windows
latest_positions = node('Range', [first_latest, n_values, scalar_int('lp_step', 1)], 'latest_positions')
before = node('Less', [node('Unsqueeze', [positions, const('ax0', [0])], 'positions_row'), node('Unsqueeze', [latest_positions, axis1], 'latest_col')], 'earlier_mask')
seen = node('ReduceMax', [node('Cast', [node('And', [same, before], 'seen_earlier')], 'seen_f', to=TensorProto.FLOAT)], 'seen', axes=[2], keepdims=0)
new_level = node('ReduceMax', [node('Sub', [scalar('one_l', 1.0), seen], 'new_each')], 'new_level', axes=[1], keepdims=1)
boost = node('Mul', [node('Relu', [zscore], 'zs_pos_b'), node('Mul', [new_level, scalar('boost', THRESHOLD_Z / CONFIRM_Z - 1)], 'boost_gain')], 'zs_boost')
zscore = node('Add', [zscore, boost], 'zs_confirmed')
tail = node('Mul', [node('Exp', [node('Mul', [node('Abs', [zscore], 'zs_abs'), scalar('minus_sqrt2', -(2**0.5))], 'zs_scaled')], 'tail_exp'), scalar('half', 0.5)], 'tail')
likelihood_col = node('Add', [scalar('centre', 0.5), node('Mul', [node('Sign', [zscore], 'zs_sign'), node('Sub', [scalar('half_b', 0.5), tail], 'half_minus_tail')], 'signed')], 'likelihood_col')
node('Squeeze', [likelihood_col, axis1], 'likelihood')

graph = helper.make_graph(
    nodes,
    'env_novelty',
    [
        helper.make_tensor_value_info('window', TensorProto.FLOAT, ['batch', 'values']),
        helper.make_tensor_value_info('past_scores', TensorProto.FLOAT, ['batch', 'scores']),
    ],
    [
        helper.make_tensor_value_info('novelty', TensorProto.FLOAT, ['batch']),
        helper.make_tensor_value_info('likelihood', TensorProto.FLOAT, ['batch']),
    ],
    inits,
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)], producer_name='ioc-analytics')
model.doc_string = f'IOC streaming environment detector: robust-standardised nearest-neighbour novelty (embedding {EMBEDDING} means of {BLOCK} values) and its likelihood (smoothing {SMOOTHING}, Laplace tail over the past scores without their largest {TRIM:.0%}; z {CONFIRM_Z:g} suffices after a level of {LEVEL:g} robust sd new to the window in the last {RECENT} values).'
onnx.checker.check_model(model)
onnx.save(model, OUT)
print(f'wrote {os.path.normpath(OUT)} ({os.path.getsize(OUT)} bytes)', file=sys.stderr)
