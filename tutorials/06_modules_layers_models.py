# %% [markdown]
# # Modules, layers and models
#
# A model is code plus state: functions that compute, and the variables they read.
# `tf.Module` is the small class that ties the two together. Give it variables and
# other modules as attributes, and it can list all of them for you — which is what an
# optimizer, a checkpoint or a SavedModel needs.
#
# Keras's `Layer` and `Model` are modules with more conveniences: weights created on
# first use, `summary()`, and (tutorial 08) `compile`/`fit`.
#
# Run it with `python tutorials/06_modules_layers_models.py`.

# %%
import minitf as tf

# %% [markdown]
# ## A module
#
# Subclass `tf.Module`, store variables as attributes, and define `__call__`:

# %%
class SimpleModule(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.a_variable = tf.Variable(5.0, name="train_me")
        self.non_trainable_variable = tf.Variable(5.0, trainable=False, name="do_not_train_me")

    def __call__(self, x):
        return self.a_variable * x + self.non_trainable_variable

simple_module = SimpleModule(name="simple")
print(simple_module(tf.constant(5.0)))

# %% [markdown]
# The module found its variables by walking its attributes. `trainable_variables` is
# what you hand to a gradient tape and an optimizer:

# %%
print("trainable variables:", simple_module.trainable_variables)
print("all variables:", simple_module.variables)

# %% [markdown]
# ## Modules made of modules
#
# A dense layer is a module with a weight matrix and a bias. A model is a module that
# holds layers. The walk goes through nested modules, so the model lists every variable:

# %%
class Dense(tf.Module):
    def __init__(self, in_features, out_features, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.random.normal([in_features, out_features], seed=1), name="w")
        self.b = tf.Variable(tf.zeros([out_features]), name="b")

    def __call__(self, x):
        return tf.nn.relu(x @ self.w + self.b)


class SequentialModule(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.dense_1 = Dense(in_features=3, out_features=3)
        self.dense_2 = Dense(in_features=3, out_features=2)

    def __call__(self, x):
        return self.dense_2(self.dense_1(x))

my_model = SequentialModule(name="the_model")
print("output shape:", my_model(tf.constant([[2.0, 2.0, 2.0]])).shape)
print("submodules:", len(my_model.submodules))
for var in my_model.variables:
    print(f"  {var.name:6} {var.shape}")

# %% [markdown]
# ## Waiting for the input shape
#
# `Dense(in_features=3, ...)` made us state the input size up front. A module can
# instead create its variables on the first call, when it sees the input:

# %%
class FlexibleDense(tf.Module):
    def __init__(self, out_features, name=None):
        super().__init__(name=name)
        self.out_features = out_features
        self.is_built = False

    def __call__(self, x):
        if not self.is_built:
            self.w = tf.Variable(tf.random.normal([x.shape[-1], self.out_features]), name="w")
            self.b = tf.Variable(tf.zeros([self.out_features]), name="b")
            self.is_built = True
        return tf.nn.relu(x @ self.w + self.b)

flexible = FlexibleDense(out_features=3)
print(len(flexible.variables), "variables before the first call")
print(flexible(tf.constant([[2.0, 2.0, 2.0, 1.0]])).shape)
print([v.shape for v in flexible.variables])

# %% [markdown]
# ## Traced methods
#
# Decorate a method with `tf.function` and each call runs a graph. The variables are
# captured by reference (tutorial 05), so the module's state stays live:

# %%
class MyModule(tf.Module):
    def __init__(self, value):
        self.weight = tf.Variable(value)

    @tf.function
    def multiply(self, x):
        return x * self.weight

mod = MyModule(3)
print(mod.multiply(tf.constant([1, 2, 3])))
mod.weight.assign(10)
print(mod.multiply(tf.constant([1, 2, 3])))

# %% [markdown]
# Traced methods are what `tf.saved_model` saves, next to the variables (tutorial 10).
#
# ## Keras layers
#
# `tf.keras.layers.Layer` formalises the "build on first call" pattern: put weight
# creation in `build(input_shape)`, the computation in `call(inputs)`, and create weights
# with `add_weight`, which picks an initializer by name:

# %%
class MyDense(tf.keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="random_normal", name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, inputs):
        return tf.nn.relu(inputs @ self.w + self.b)

layer = MyDense(3)
print("built:", layer.built, "weights:", len(layer.variables))
print(layer(tf.constant([[2.0, 2.0, 2.0], [3.0, 3.0, 3.0]])).shape)
print("built:", layer.built, "weights:", [v.path for v in layer.variables])

# %% [markdown]
# ## Keras models
#
# A `tf.keras.Model` is a layer that holds layers. Subclass it when the forward pass
# is ordinary Python:

# %%
class MyModel(tf.keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense_1 = MyDense(3)
        self.dense_2 = MyDense(2)

    def call(self, x):
        return self.dense_2(self.dense_1(x))

my_keras_model = MyModel(name="the_model")
print(my_keras_model(tf.constant([[2.0, 2.0, 2.0]])).shape)
my_keras_model.summary()

# %% [markdown]
# Or describe the model as a graph of layers applied to a symbolic `Input` — the
# *functional* API. Keras then knows every shape before any data arrives (`None` is
# the batch size):

# %%
inputs = tf.keras.Input(shape=[3])
x = MyDense(3)(inputs)
x = MyDense(2)(x)
functional_model = tf.keras.Model(inputs=inputs, outputs=x)
functional_model.summary()

# %% [markdown]
# ## What you learned, and where to go next
#
# - A `tf.Module` finds its variables and submodules by walking its attributes:
#   `variables`, `trainable_variables`, `submodules`.
# - Modules nest; creating variables on the first call lets a module adapt to its input.
# - Keras layers split this into `build` and `call`; models hold layers and add
#   `summary()` (and training, next).
#
# Try: add a third `Dense` to `SequentialModule` and check that `trainable_variables`
# now has six entries.
#
# Next: train a model with your own loop: [Training loops](07_training_loops.py).
