# %% [markdown]
# # Checkpoints and SavedModel
#
# There are two ways to keep what you trained, for two different purposes:
#
# - A **checkpoint** (`tf.train.Checkpoint`) stores the *values* of variables. To use
#   it you need the code that creates the model; the checkpoint fills in the numbers.
#   It is what you write during training, to resume after a crash.
# - A **SavedModel** (`tf.saved_model`) stores the variables *and* the traced graphs of
#   the model's `tf.function`s. It runs without the original Python class — for serving
#   or sharing a finished model.
#
# In minitf both are plain data: JSON plus NumPy `.npz` arrays. Loading never
# unpickles anything and never runs code from the files.
#
# Run it with `python tutorials/10_checkpoints_and_savedmodel.py`.

# %%
import json
import os
import tempfile

import matplotlib
matplotlib.use("Agg")
from matplotlib import pyplot as plt

import minitf as tf

tf.random.set_seed(0)
workdir = tempfile.mkdtemp(prefix="minitf-ckpt-")   # every file of this tutorial goes here

# %% [markdown]
# ## A model and some data
#
# A single `Dense` layer learning five lines at once, `y = 5x + k` for `k = 0…4`:

# %%
class Net(tf.keras.Model):
    def __init__(self):
        super().__init__(name="net")
        self.l1 = tf.keras.layers.Dense(5, name="l1")

    def call(self, x):
        return self.l1(x)


def toy_dataset():
    inputs = tf.range(10.0)[:, None]
    labels = inputs * 5.0 + tf.range(5.0)[None, :]
    return tf.data.Dataset.from_tensor_slices(dict(x=inputs, y=labels)).repeat().batch(2)


def train_step(net, example, optimizer):
    with tf.GradientTape() as tape:
        output = net(example["x"])
        loss = tf.reduce_mean(tf.abs(output - example["y"]))
    variables = net.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return loss

# %% [markdown]
# ## Saving and restoring
#
# A `tf.train.Checkpoint` takes the objects to save as keyword arguments. Here: the
# model, the optimizer (Adam keeps two running averages per weight — state a resumed
# run needs) and a step counter.

# %%
net = Net()
opt = tf.keras.optimizers.Adam(0.1)
ckpt = tf.train.Checkpoint(step=tf.Variable(1), optimizer=opt, net=net)

examples = iter(toy_dataset())
for _ in range(5):
    train_step(net, next(examples), opt)
    ckpt.step.assign_add(1)

path = ckpt.save(os.path.join(workdir, "first", "ckpt"))
print("saved to", os.path.relpath(path, workdir))
print("bias:", net.l1.bias.numpy())

# %% [markdown]
# Change the variables, then restore: the saved values come back.

# %%
net.l1.bias.assign(tf.zeros([5]))
ckpt.restore(path)
print("bias:", net.l1.bias.numpy())

# %% [markdown]
# ## What is inside
#
# A checkpoint is two files: `.index` (JSON: one entry per variable) and
# `.data-00000-of-00001` (the arrays, as an `.npz`):

# %%
print(sorted(os.listdir(os.path.dirname(path))))
print(json.dumps(json.load(open(path + ".index")), indent=1)[:600], "...")

# %% [markdown]
# Each key is a **path through the object graph**: from the checkpoint, along
# attribute names, to the variable. `net/l1/bias` is `ckpt.net.l1.bias`. The names the
# variables were created with play no part.

# %%
for key, shape in tf.train.list_variables(path):
    print(f"{key:70} {shape}")

# %% [markdown]
# (The first entry, `_CHECKPOINTABLE_OBJECT_GRAPH`, is the object graph itself, as in
# TensorFlow: `tf.train.load_variable(path, "_CHECKPOINTABLE_OBJECT_GRAPH")` shows it —
# in minitf, JSON text listing the keys.)
#
# That is why a checkpoint restores into *any* objects with the same structure. Here
# three empty `Checkpoint` objects mimic just the path to the bias:

# %%
to_restore = tf.Variable(tf.zeros([5]))
fake_layer = tf.train.Checkpoint(bias=to_restore)
fake_net = tf.train.Checkpoint(l1=fake_layer)
new_root = tf.train.Checkpoint(net=fake_net)
status = new_root.restore(path)
print(to_restore.numpy())

# %% [markdown]
# Most of the checkpoint had nowhere to go (the kernel, the optimizer). The status
# object can check what matched; `expect_partial()` says a partial restore is intended:

# %%
status.expect_partial()

# %% [markdown]
# ## Resuming training with `CheckpointManager`
#
# `tf.train.CheckpointManager` numbers the saves and keeps only the newest few.
# `manager.latest_checkpoint` is `None` on the first run, so the same function starts
# from scratch or resumes:

# %%
ckpt_dir = os.path.join(workdir, "tf_ckpts")
losses = []

def train_and_checkpoint(net, manager, ckpt, opt, examples):
    # Create the model's weights and the optimizer's slots first, so that every saved
    # value finds its variable when we restore.
    net(tf.zeros([1, 1]))
    opt.build(net.trainable_variables)
    ckpt.restore(manager.latest_checkpoint)
    if manager.latest_checkpoint:
        print("Restored from", os.path.relpath(manager.latest_checkpoint, workdir))
    else:
        print("Initializing from scratch.")
    for _ in range(50):
        losses.append(train_step(net, next(examples), opt).numpy())
        ckpt.step.assign_add(1)
        if int(ckpt.step) % 10 == 0:
            saved = manager.save()
            print(f"step {int(ckpt.step)}: saved {os.path.basename(saved)}, "
                  f"loss {losses[-1]:1.2f}")

net = Net()
opt = tf.keras.optimizers.Adam(0.1)
ckpt = tf.train.Checkpoint(step=tf.Variable(1), optimizer=opt, net=net)
manager = tf.train.CheckpointManager(ckpt, ckpt_dir, max_to_keep=3)
train_and_checkpoint(net, manager, ckpt, opt, iter(toy_dataset()))

# %% [markdown]
# Now pretend the program crashed and started over: brand-new model and optimizer
# objects, the same directory. Training continues from step 50:

# %%
net = Net()
opt = tf.keras.optimizers.Adam(0.1)
ckpt = tf.train.Checkpoint(step=tf.Variable(1), optimizer=opt, net=net)
manager = tf.train.CheckpointManager(ckpt, ckpt_dir, max_to_keep=3)
train_and_checkpoint(net, manager, ckpt, opt, iter(toy_dataset()))

print([os.path.basename(p) for p in manager.checkpoints])

# %%
plt.figure(figsize=(7, 4))
plt.plot(range(1, 101), losses)
plt.axvline(50.5, color="gray", linestyle=":", label="restart from ckpt-5")
plt.xlabel("step")
plt.ylabel("loss")
plt.legend()
plt.title("Training resumed from a checkpoint")

# %% [markdown]
# The curve continues across the restart: the weights *and* Adam's state came back.
# Only the three newest checkpoints remain on disk.
#
# (minitf writes each file to a temporary name and renames it into place, so a crash
# in the middle of a save leaves the previous checkpoint intact.)
#
# ## SavedModel: the model without its code
#
# A SavedModel stores a module's variables and the graphs of its traced methods. Give
# the method an `input_signature` so exactly one graph, for any batch size, is saved:

# %%
class Scaler(tf.Module):
    def __init__(self):
        self.scale = tf.Variable([1.0, 2.0, 3.0])

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def __call__(self, x):
        return x * self.scale

scaler = Scaler()
export_dir = os.path.join(workdir, "scaler")
tf.saved_model.save(scaler, export_dir)
print(sorted(os.listdir(export_dir)))
print(sorted(os.listdir(os.path.join(export_dir, "variables"))))

# %% [markdown]
# `variables/` is a checkpoint, as above. `saved_model.json` describes the objects
# (a user object with a variable and a function) and holds each traced graph as data:
# its equations, in the same IR that `print(concrete_function.graph)` shows
# (tutorial 05). Here are the equations of the saved `__call__`:

# %%
with open(os.path.join(export_dir, "saved_model.json")) as f:
    description = json.load(f)["saved_model"]
print([node["kind"] for node in description["nodes"]])
for eqn in description["graphs"][0]["eqns"]:
    print(eqn["prim"], eqn["params"])

# %% [markdown]
# Loading gives back an object with the same traced methods and variables — but it is
# not a `Scaler`: it was rebuilt from the files alone (loading runs the saved equations,
# never code from the file), so it works in a program that has never seen the class.

# %%
loaded = tf.saved_model.load(export_dir)
print(type(loaded).__name__, isinstance(loaded, Scaler))
print(loaded(tf.constant([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])))

# %% [markdown]
# The loaded variables are real variables: assign to them and the saved graph uses the
# new values.

# %%
loaded.scale.assign([10.0, 10.0, 10.0])
print(loaded(tf.constant([[1.0, 1.0, 1.0]])))

# %% [markdown]
# ## What you learned, and where to go next
#
# - Checkpoints store variable values by their path in the object graph; restoring
#   needs the code, but not the same names.
# - `CheckpointManager` numbers and prunes checkpoints; `latest_checkpoint` resumes.
# - A SavedModel adds the traced graphs, so the model runs without its class.
# - Both formats are JSON and arrays: safe to load.
#
# Try: restore `ckpt-5` into a model whose `Dense` layer has 6 units, and read the error.
#
# Next: what runs when minitf is on a GPU: [Triton kernels](11_triton_kernels.py).
