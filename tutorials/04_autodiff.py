# %% [markdown]
# # Automatic differentiation
#
# Training follows the gradient of a loss with respect to the model's variables.
# `tf.GradientTape` computes such gradients: it *records* the operations you run inside
# its `with` block, then walks the recording backwards, applying the chain rule one
# operation at a time (reverse-mode autodiff).
#
# This tutorial shows how to ask for gradients, what the tape watches, the cases that
# return `None`, higher-order gradients — and it opens the tape to print exactly what it
# recorded.
#
# Run it with `python tutorials/04_autodiff.py`.

# %%
import minitf as tf
import matplotlib
matplotlib.use("Agg")
from matplotlib import pyplot as plt

# %% [markdown]
# ## A first gradient
#
# For `y = x²`, the derivative is `2x`: 6 at `x = 3`.

# %%
x = tf.Variable(3.0)
with tf.GradientTape() as tape:
    y = x ** 2
dy_dx = tape.gradient(y, x)
print(dy_dx.numpy())

# %% [markdown]
# The same works for any number of tensors of any shape. The gradient of a scalar loss
# with respect to a variable has the variable's shape:

# %%
w = tf.Variable(tf.random.normal((3, 2), seed=1), name="w")
b = tf.Variable(tf.zeros(2), name="b")
x = [[1.0, 2.0, 3.0]]

with tf.GradientTape(persistent=True) as tape:
    y = x @ w + b
    loss = tf.reduce_mean(y ** 2)

dl_dw, dl_db = tape.gradient(loss, [w, b])
print(w.shape, dl_dw.shape)

# %% [markdown]
# Sources can be any nested structure — a list, or a dict — and the gradients come
# back in the same structure:

# %%
grads = tape.gradient(loss, {"w": w, "b": b})
print(grads["b"])

# %% [markdown]
# ## A look inside the tape
#
# What did the tape record? `recorded_operations()` (a minitf extra) lists its
# equations, one per primitive operation, with the dtype and shape of every input and
# output:

# %%
for line in tape.recorded_operations():
    print(line)

# %% [markdown]
# Read it top to bottom and you see `x @ w + b` and the mean of `y**2`, as primitives:
#
# - `matmul` — the `@`.
# - `broadcast_to` — `b` has shape `(2,)` but `x @ w` has shape `(1, 2)`. minitf makes
#   broadcasting an explicit operation, so `add` only ever sees equal shapes, and the
#   gradient of `broadcast_to` is simply a sum back to the small shape.
# - `pow`, `reduce_sum`, `div` — `reduce_mean` is not a primitive: it is a sum divided
#   by a count, so it needs no gradient rule of its own.
#
# `tape.gradient` walks these equations from the last to the first. Each primitive
# has a *VJP rule* (vector-Jacobian product): given the gradient of the loss with
# respect to its output, it returns the gradients with respect to its inputs. For
# `mul(a, b)` the rule returns `(g * b, g * a)`.
#
# The rules are written in minitf ops themselves, so the backward pass can be recorded
# by another tape. Wrap the gradient computation in an outer tape, and the outer tape's
# recording *is* the backward pass:

# %%
x = tf.Variable(2.0)
with tf.GradientTape() as outer:
    with tf.GradientTape() as inner:
        y = x * x * x
    forward = inner.recorded_operations()
    dy_dx = inner.gradient(y, x)       # the backward pass, recorded by `outer`

print("inner tape, the forward pass:")
for line in forward:
    print("  ", line)
print("outer tape, the forward pass and then the backward pass:")
for line in outer.recorded_operations():
    print("  ", line)

# %% [markdown]
# The outer tape saw everything: the two forward multiplications, then the backward
# pass. `y = (x·x)·x` has two `mul` equations; walking back, each `mul` turns the
# incoming gradient `g` into `g·b` and `g·a` (four `mul`s), and the two `add`s sum the
# contributions that reach `x` along different paths.

# %% [markdown]
# ## Higher-order gradients
#
# Because the backward pass is recorded, differentiating it again is just another
# `gradient` call: `y = x³` gives `dy/dx = 3x²` and `d²y/dx² = 6x`.

# %%
print("dy/dx:  ", dy_dx.numpy())                      # 3 * 2² = 12
print("d2y/dx2:", outer.gradient(dy_dx, x).numpy())    # 6 * 2 = 12

# %% [markdown]
# Applied to every element of a tensor at once, this draws a function with its
# derivatives. Here is `tanh` and its first three derivatives:

# %%
x = tf.linspace(-8.0, 8.0, 200)
with tf.GradientTape() as t3:
    t3.watch(x)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = tf.tanh(x)
        d1 = t1.gradient(y, x)   # recorded by t2 and t3
    d2 = t2.gradient(d1, x)      # recorded by t3
d3 = t3.gradient(d2, x)

plt.figure(figsize=(8, 4))
for curve, label in zip([y, d1, d2, d3], ["tanh(x)", "1st derivative", "2nd", "3rd"]):
    plt.plot(x.numpy(), curve.numpy(), label=label)
plt.legend()
plt.title("tanh and its derivatives, from nested tapes")

# %% [markdown]
# ## What the tape watches
#
# A tape automatically watches trainable variables. It does not watch constants, and
# it does not watch non-trainable variables. A value computed *before* the tape started
# (like `x2` below) is a plain tensor the tape never saw being made:

# %%
x0 = tf.Variable(3.0, name="x0")
x1 = tf.Variable(3.0, name="x1", trainable=False)
x2 = tf.Variable(2.0, name="x2") + 1.0
x3 = tf.constant(3.0, name="x3")

with tf.GradientTape() as tape:
    y = (x0 ** 2) + (x1 ** 2) + (x2 ** 2)

for g in tape.gradient(y, [x0, x1, x2, x3]):
    print(g)
print([var.name for var in tape.watched_variables()])

# %% [markdown]
# To differentiate with respect to a tensor, `watch` it:

# %%
x = tf.constant(3.0)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = x * x
print(tape.gradient(y, x))

# %% [markdown]
# ## When the gradient is `None`
#
# If the target does not depend on the source, there is no path to walk back along,
# and the gradient is `None` (not zero — `None` tells you the connection is missing,
# which is usually a bug). Ask for zeros explicitly if that is what you want:

# %%
x = tf.Variable([2.0, 2.0])
y = tf.Variable(3.0)
with tf.GradientTape(persistent=True) as tape:
    z = y ** 2
print(tape.gradient(z, x))
print(tape.gradient(z, x, unconnected_gradients=tf.UnconnectedGradients.ZERO))

# %% [markdown]
# Other ways to lose the path: leaving TensorFlow (a `.numpy()` call, a NumPy
# function), integer dtypes (not differentiable), or `tf.stop_gradient`, which is there
# precisely to cut it:

# %%
x = tf.Variable(2.0)
with tf.GradientTape() as tape:
    y = x * tf.stop_gradient(x)   # the second factor counts as a constant
print(tape.gradient(y, x).numpy())  # 2, not 4

# %% [markdown]
# ## Gradients of non-scalar targets
#
# The gradient of a vector target is the gradient of its *sum*. For each element's
# gradient separately, ask for the Jacobian:

# %%
x = tf.Variable(2.0)
with tf.GradientTape(persistent=True) as tape:
    y = x * [3.0, 4.0]
print(tape.gradient(y, x).numpy())   # 3 + 4
print(tape.jacobian(y, x).numpy())   # [3, 4]

# %% [markdown]
# Elementwise functions are the common case: each output depends on one input, so the
# gradient of the sum *is* the derivative at every point. Here is the sigmoid and its
# derivative, which peaks at 0.25:

# %%
x = tf.linspace(-10.0, 10.0, 201)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.nn.sigmoid(x)
dy_dx = tape.gradient(y, x)

plt.figure(figsize=(8, 4))
plt.plot(x.numpy(), y.numpy(), label="y")
plt.plot(x.numpy(), dy_dx.numpy(), label="dy/dx")
plt.legend()
plt.xlabel("x")

# %% [markdown]
# ## Your own gradient: `tf.custom_gradient`
#
# Sometimes the automatic gradient is not the one you want — to clip it, or because a
# hand-derived formula is more stable. `tf.custom_gradient` lets a function return its
# value *and* its backward rule. Here the forward pass is the identity and the
# backward pass clips the gradient that flows through it to [-1, 1]:

# %%
@tf.custom_gradient
def clip_gradient(y):
    def backward(dy):
        return tf.clip_by_value(dy, -1.0, 1.0)
    return y, backward

v = tf.Variable(2.0)
with tf.GradientTape() as tape:
    out = 10.0 * clip_gradient(v)
print(tape.gradient(out, v))   # 10 arrives at clip_gradient, 1 leaves it

# %% [markdown]
# ## What you learned, and where to go next
#
# - `tape.gradient(target, sources)` walks the recorded equations backwards with each
#   primitive's VJP rule; `recorded_operations()` shows them.
# - Broadcasting and means are built from primitives (`broadcast_to`, `reduce_sum`,
#   `div`), so only a few primitives need gradient rules.
# - Gradients are computed with minitf ops, so nested tapes give higher orders.
# - `None` means "not connected"; `watch`, `stop_gradient` and `UnconnectedGradients`
#   control what counts.
#
# Try: print `recorded_operations()` for `tf.nn.softmax` and find which primitives it
# is made of.
#
# Next: the same equations, staged into a graph instead of run one by one:
# [Graphs and functions](05_graphs_and_functions.py). The concept page
# [The tape](../docs/concepts/tape.md) explains the backward pass in detail.
