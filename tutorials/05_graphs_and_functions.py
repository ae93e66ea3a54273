# %% [markdown]
# # Graphs and `tf.function`
#
# So far every operation ran the moment Python reached it ("eager" execution).
# `tf.function` works differently: the first call runs your Python function with
# *symbolic* tensors — placeholders that have a shape and a dtype but no values — and
# records every operation into a graph. Later calls skip Python and run the graph.
#
# In minitf you can read that graph. This tutorial prints one, shows the straight-line
# Python minitf runs for it, explains when a function is traced again, and shows how
# Python `if` and `for` on tensors become graph control flow (AutoGraph).
#
# Run it with `python tutorials/05_graphs_and_functions.py`.

# %%
import timeit

import minitf as tf

# %% [markdown]
# ## Tracing a function
#
# Here is one dense layer with a ReLU. The variables live outside the function; the
# graph will *capture* them.

# %%
w = tf.Variable([[1.0], [2.0]], name="w")
b = tf.Variable(0.5, name="b")

@tf.function
def dense(x):
    return tf.nn.relu(x @ w + b)

x = tf.constant([[1.0, 2.0]])
print(dense(x))

# %% [markdown]
# Each trace is a `ConcreteFunction`: one graph for one input signature.

# %%
concrete = dense.get_concrete_function(x)
print(concrete)

# %% [markdown]
# ## Reading the graph
#
# `print(concrete.graph)` lists the graph in a small text format, one equation per line:
# `outputs = primitive[params] inputs`. Every value carries its type — `f32[1,2]` is a
# float32 tensor of shape (1, 2) — and constants are written inline.

# %%
print(concrete.graph)

# %% [markdown]
# Read it line by line:
#
# - `dense(x:f32[1,2])` — the argument, a placeholder of the traced shape.
# - `capture w ... from <tf.Variable 'w:0'>` — the variables are extra inputs, read at
#   every call. That is why assigning to `w` later needs no new trace.
# - `matmul`, `add` — the `@` and the `+`. (`b` is a scalar, so here the add broadcasts
#   it; elementwise primitives accept a scalar operand as is.)
# - `gt`, `select` — `relu` is not a primitive: it is `where(x > 0, x, 0)`.
#
# These are the same equations a `GradientTape` records (tutorial 04). Tape and graph
# share one representation, which is why a traced function can be differentiated, and a
# gradient can be traced.
#
# ## The Python that runs the graph
#
# On the CPU, when no tape is recording, minitf does not interpret the graph equation
# by equation. It writes the graph out as straight-line Python — one line per equation,
# calling the NumPy implementation of each primitive — and compiles that once. You can
# print it:

# %%
print(concrete.graph.python_source())

# %% [markdown]
# `+` and `>` call the same NumPy functions the primitives would; all the per-op
# bookkeeping of eager execution (converting arguments, checking dtypes, choosing a
# backend) happened once, at trace time. That is where a graph's speed comes from.
# A quick comparison with a function of many small ops:

# %%
def many_small_ops(x):
    for _ in range(20):
        x = x * 1.01 + 0.01
    return x

traced = tf.function(many_small_ops)
x = tf.constant([1.0, 2.0, 3.0])
traced(x)  # trace once, outside the timing

eager_s = timeit.timeit(lambda: many_small_ops(x), number=200)
graph_s = timeit.timeit(lambda: traced(x), number=200)
print(f"eager: {eager_s * 5:.2f} ms per call, graph: {graph_s * 5:.2f} ms per call")

# %% [markdown]
# (The numbers depend on your machine; on tiny tensors the graph wins because Python
# overhead, not arithmetic, dominates.)
#
# ## Python side effects run only while tracing
#
# `print` is Python: it runs while the function is traced and is not part of the graph.
# `tf.print` is an operation: it is in the graph and runs at every call. Watch the
# order of the outputs:

# %%
@tf.function
def noisy(x):
    print("Python print: tracing with", x)
    tf.print("tf.print: running with", x)
    return x + 1

noisy(tf.constant(1))
noisy(tf.constant(2))
print(noisy.get_concrete_function(tf.constant(1)).graph)

# %% [markdown]
# (`tf.print` writes to standard error, like TensorFlow's.) Notice how the traced
# argument prints: `Tensor("x:0", shape=(), dtype=int32)`, a symbolic tensor with no
# value.
#
# ## When does a function trace again?
#
# The cache is keyed on the *signature* of the arguments:
#
# - tensors by shape and dtype;
# - Python values (numbers, strings, booleans) by their value.
#
# So a Python `bool` flag gives one graph per value, and a new shape a new graph:

# %%
@tf.function
def maybe_double(x, training):
    print("tracing:", x.shape, x.dtype.name, "training =", training)
    return x * 2 if training else x

maybe_double(tf.constant(1.0), True)
maybe_double(tf.constant(2.0), True)        # same signature: no trace
maybe_double(tf.constant(2.0), False)       # new Python value: trace
maybe_double(tf.constant([2.0]), False)     # new shape: trace
print("traces:", maybe_double.experimental_get_tracing_count())

# %% [markdown]
# Passing changing Python numbers (say, a loop counter) to a `tf.function` therefore
# traces at every call. Pass a tensor instead.
#
# To fix the signature once, give an `input_signature`. `None` in a shape means "any
# size", and the graph's types show it as `?`:

# %%
@tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.float32)])
def add_one(x):
    return x + 1

print(add_one(tf.constant([1.0])))
print(add_one(tf.constant([1.0, 2.0, 3.0])))
print(add_one.get_concrete_function().graph)

# %% [markdown]
# An argument that does not fit is refused with an explanation:

# %%
try:
    add_one(tf.constant([1, 2]))
except TypeError as e:
    print(e)

# %% [markdown]
# ## AutoGraph: Python control flow on tensors
#
# While tracing, `x > 0` is a symbolic boolean: Python cannot decide an `if` on it.
# `tf.function` therefore rewrites the function's source before tracing it: an `if` on a
# tensor becomes `tf.cond`, a `while` or `for` over a tensor becomes `tf.while_loop`.
# (`if` on a Python value stays an ordinary `if`, decided at trace time.)

# %%
@tf.function
def flip_if_negative(x):
    if tf.reduce_sum(x) > 0:
        x = x * 2
    else:
        x = -x
    return x

print(flip_if_negative(tf.constant([1.0, -3.0])))

# %% [markdown]
# `tf.autograph.to_code` shows the rewritten source. The two branches became little
# functions and the `if` a call to `ag__.if_stmt`, which stages a `cond` when the
# condition is a tensor:

# %%
print(tf.autograph.to_code(flip_if_negative.python_function))

# %% [markdown]
# And in the graph, the two branches are graphs of their own, nested inside the `cond`
# equation:

# %%
print(flip_if_negative.get_concrete_function(tf.constant([1.0, -3.0])).graph)

# %% [markdown]
# A `for` loop over `tf.range` becomes a `while` equation whose condition and body are
# nested graphs; the loop runs inside the graph, however many times `n` says:

# %%
@tf.function
def count_up(x, n):
    for _ in tf.range(n):
        x = x + 1
    return x

print(count_up(tf.constant(1), tf.constant(3)))
print(count_up.get_concrete_function(tf.constant(1), tf.constant(3)).graph)

# %% [markdown]
# ## What you learned, and where to go next
#
# - `tf.function` traces Python into a graph once per input signature; `print` runs
#   while tracing, `tf.print` at every call.
# - `print(concrete_function.graph)` shows the equations — the same ones a tape
#   records; `graph.python_source()` shows the Python minitf compiles from them.
# - Tensors are keyed by shape and dtype, Python values by value; `input_signature`
#   fixes the signature.
# - AutoGraph turns `if`/`for`/`while` on tensors into `cond` and `while_loop`.
#
# Try: write a `tf.function` with a `while` loop whose condition is a tensor, print
# `tf.autograph.to_code` for it, then find the `while` equation in its graph.
#
# Next: grouping variables and functions into objects:
# [Modules, layers and models](06_modules_layers_models.py). The concept pages
# [The IR](../docs/concepts/ir.md) and [Tracing](../docs/concepts/tracing.md) go deeper.
