# %% [markdown]
# # minitf で学ぶ TensorFlow の基本
#
# TensorFlow の「基本」ガイドのコードを、セルごとにそのまま実行します。違いは最初の
# 1 行だけで、`import minitf as tf` と書きます。表示される値はすべて TensorFlow 2.21
# と同じです(乱数で決まる値は除きます)。
#
# このガイドは全体を一巡りする入門です。テンソル、変数、勾配、グラフ、モジュール、
# トレーニングループ、Keras を 1 つずつ取り上げます。それぞれの詳しい中身は、
# 後に続くチュートリアル(英語)で分解して見ていきます。
#
# 自分で動かすには `python tutorials/01_basics.ja.py` を実行します。

# %% [markdown]
# このガイドはモデルを `./saved` と `./my_new_model` に保存します。チェックアウトした
# リポジトリにファイルを残さないよう、最初に新しい一時ディレクトリへ移動しておきます。

# %%
import os
import tempfile

os.chdir(tempfile.mkdtemp(prefix="minitf-basics-"))

# %%
import minitf as tf
import matplotlib
matplotlib.use("Agg")
from matplotlib import pyplot as plt

# %% [markdown]
# ## テンソル
#
# テンソルとは、要素の型がそろった n 次元の配列です。次は 2 行 3 列の行列です。

# %%
x = tf.constant([[1., 2., 3.],
                 [4., 5., 6.]])
print(x)
print(x.shape)
print(x.dtype)

# %% [markdown]
# 特に大事な属性は 2 つあります。`shape` は各軸の長さ、`dtype` は全要素に共通の型です。
# Python の浮動小数点数は、機械学習で標準的な `float32` になります。
#
# テンソルでは普通の四則演算に加えて、機械学習向けの演算がたくさん使えます。
# `@` は行列積で、`softmax` は各行を確率の並びに変換します。

# %%
print(repr(x + x))
print(repr(5 * x))
print(repr(x @ tf.transpose(x)))
print(repr(tf.concat([x, x, x], axis=0)))
print(repr(tf.nn.softmax(x, axis=-1)))
print(repr(tf.reduce_sum(x)))
print(repr(tf.convert_to_tensor([1,2,3])))
print(repr(tf.reduce_sum([1,2,3])))

# %% [markdown]
# 最後の 2 行に注目してください。テンソルを受け取る演算には、`tf.convert_to_tensor`
# で変換できるもの(たとえば Python のリスト)をそのまま渡せます。Python の整数は
# `int32` になります。
#
# 大きな計算は CPU では時間がかかります。minitf も TensorFlow と同じく、GPU が
# 見つかればそれを使います。GPU 上では主要な演算が Triton カーネルとして動きます
# (チュートリアル 11 でその 1 つを読みます)。

# %%
if tf.config.list_physical_devices('GPU'):
  print("TensorFlow **IS** using the GPU")
else:
  print("TensorFlow **IS NOT** using the GPU")

# %% [markdown]
# 詳しくは [Tensors](02_tensors.py) へ。
#
# ## 変数
#
# テンソルの値は変わりません。一方でモデルの重みは更新していく必要があるので、
# `tf.Variable` に入れます。変数は名前を持つ書き換え可能なバッファで、演算から読めて、
# `assign` 系のメソッドで更新できます。

# %%
var = tf.Variable([0.0, 0.0, 0.0])
print(repr(var.assign([1, 2, 3])))
print(repr(var.assign_add([1, 1, 1])))

# %% [markdown]
# 詳しくは [Variables](03_variables.py) へ。
#
# ## 自動微分
#
# モデルの学習とは、損失の勾配をたどって坂を下っていくことです。TensorFlow は勾配を
# 自動で計算します。これが自動微分(autodiff)です。簡単な関数で試してみましょう。

# %%
x = tf.Variable(1.0)

def f(x):
  y = x**2 + 2*x - 5
  return y

print(repr(f(x)))

# %% [markdown]
# `x = 1` での値は `1 + 2 - 5 = -2` です。手で微分すると `f'(x) = 2x + 2` なので、
# `x = 1` では `4` になります。`GradientTape` は `with` ブロックの中で実行された演算を
# 記録し、それを逆向きにたどって同じ値を求めます。

# %%
with tf.GradientTape() as tape:
  y = f(x)

g_x = tape.gradient(y, x)  # g(x) = dy/dx
print(repr(g_x))

# %% [markdown]
# ここではスカラー 1 つだけを扱いましたが、同じ呼び出しで、どんな形のテンソルが
# いくつあっても、まとめて勾配を求められます。テープが何を記録したのかは
# [Automatic differentiation](04_autodiff.py) で中を開いて確かめます。
#
# ## グラフと `tf.function`
#
# Python から演算を 1 つずつ実行するのは手軽ですが、1 ステップごとに Python の
# オーバーヘッドがかかり、プログラムは Python のコードとしてしか存在しません。
# `tf.function` はこの 2 つを解決します。Python の関数をシンボリックなテンソルで
# 1 回だけ実行し、そこで見た演算を「グラフ」として残します。2 回目からはグラフを
# 実行します。

# %%
@tf.function
def my_func(x):
  print('Tracing.\n')
  return tf.reduce_sum(x)

# %% [markdown]
# 最初の呼び出しでは Python の本体が実行されるので `print` も動き、`Tracing.` と
# 表示されます。その間にグラフが記録されます(これをトレースと呼びます)。

# %%
x = tf.constant([1, 2, 3])
print(repr(my_func(x)))

# %% [markdown]
# 2 回目の入力は形も dtype も同じなので、グラフが再利用されます。Python の `print`
# はグラフに含まれないため、何も表示されません。

# %%
x = tf.constant([10, 9, 8])
print(repr(my_func(x)))

# %% [markdown]
# シグネチャ(ここでは `int32` ではなく `float32`)が変わると新しいグラフが必要に
# なるので、もう一度トレースされます。

# %%
x = tf.constant([10.0, 9.1, 8.2], dtype=tf.float32)
print(repr(my_func(x)))

# %% [markdown]
# グラフは全体をまとめて最適化でき、作ったときの Python コードなしで保存・実行も
# できます。実際のグラフは [Graphs and functions](05_graphs_and_functions.py) で
# 表示してみます。
#
# ## モジュール、レイヤー、モデル
#
# `tf.Module` は変数と、それを使う関数をひとまとめにするクラスです。これを土台に
# 2 つの機能があります。`tf.train.Checkpoint` は変数の値を保存・復元し、
# `tf.saved_model` は変数に加えてトレースしたグラフも保存するので、元のクラスが
# なくてもモデルを動かせます。

# %%
class MyModule(tf.Module):
  def __init__(self, value):
    self.weight = tf.Variable(value)

  @tf.function
  def multiply(self, x):
    return x * self.weight

# %%
mod = MyModule(3)
print(repr(mod.multiply(tf.constant([1, 2, 3]))))

# %% [markdown]
# モジュールを保存して、読み込み直します。読み込んだオブジェクトは `MyModule`
# ではありません。保存されたグラフと変数だけから組み立て直されたものです(minitf は
# JSON と配列ファイルで保存し、読み込み時にファイル内のコードを実行することは
# ありません)。

# %%
save_path = './saved'
tf.saved_model.save(mod, save_path)

# %%
reloaded = tf.saved_model.load(save_path)
print(repr(reloaded.multiply(tf.constant([1, 2, 3]))))

# %% [markdown]
# Keras のレイヤーやモデル(`tf.keras.layers.Layer`、`tf.keras.Model`)もモジュールで、
# 組み立てと学習のための便利な機能が加わっています。詳しくは
# [Modules, layers and models](06_modules_layers_models.py) へ。
#
# ## トレーニングループ
#
# ここまでの部品を組み合わせて、モデルを学習させます。まずはデータです。
# 放物線のまわりに点をばらまきます。

# %%
matplotlib.rcParams['figure.figsize'] = [9, 6]
x = tf.linspace(-2, 2, 201)
x = tf.cast(x, tf.float32)

def f(x):
  y = x**2 + 2*x - 5
  return y

y = f(x) + tf.random.normal(shape=[201])
plt.plot(x.numpy(), y.numpy(), '.', label='Data')
plt.plot(x, f(x), label='Ground truth')
plt.legend()

# %% [markdown]
# モデルは 2 次式 `w_q·x² + w_l·x + b` です。3 つの変数はランダムな値から始めます。

# %%
class Model(tf.Module):

  def __init__(self):
    # Randomly generate weight and bias terms
    rand_init = tf.random.uniform(shape=[3], minval=0., maxval=5., seed=22)
    # Initialize model parameters
    self.w_q = tf.Variable(rand_init[0])
    self.w_l = tf.Variable(rand_init[1])
    self.b = tf.Variable(rand_init[2])

  @tf.function
  def __call__(self, x):
    # Quadratic Model : quadratic_weight * x^2 + linear_weight * x + bias
    return self.w_q * (x**2) + self.w_l * x + self.b

# %% [markdown]
# 学習前の予測は、データから大きく外れています。

# %%
quad_model = Model()

def plot_preds(x, y, f, model, title):
  plt.figure()
  plt.plot(x, y, '.', label='Data')
  plt.plot(x, f(x), label='Ground truth')
  plt.plot(x, model(x), label='Predictions')
  plt.title(title)
  plt.legend()

plot_preds(x, y, f, quad_model, 'Before training')

# %% [markdown]
# 損失は、モデルがどれだけ間違っているかを測る量です。実数値を予測するときは、
# 平均二乗誤差がよく使われます。全データについて `(予測 - 正解)²` を平均したものです。

# %%
def mse_loss(y_pred, y):
  return tf.reduce_mean(tf.square(y_pred - y))

# %% [markdown]
# 学習ループの流れはこうです。`tf.data` でデータをシャッフルして 32 個ずつの
# ミニバッチに分け、バッチごとにテープの中で損失を計算し、モデルの変数についての
# 勾配を求め、各変数を勾配と逆向きに少しだけ動かします。

# %%
batch_size = 32
dataset = tf.data.Dataset.from_tensor_slices((x, y))
dataset = dataset.shuffle(buffer_size=x.shape[0]).batch(batch_size)

# %%
# Set training parameters
epochs = 100
learning_rate = 0.01
losses = []

# Format training loop
for epoch in range(epochs):
  for x_batch, y_batch in dataset:
    with tf.GradientTape() as tape:
      batch_loss = mse_loss(quad_model(x_batch), y_batch)
    # Update parameters with respect to the gradient calculations
    grads = tape.gradient(batch_loss, quad_model.variables)
    for g,v in zip(grads, quad_model.variables):
        v.assign_sub(learning_rate*g)
  # Keep track of model loss per epoch
  loss = mse_loss(quad_model(x), y)
  losses.append(loss)
  if epoch % 10 == 0:
    print(f'Mean squared error for step {epoch}: {loss.numpy():0.3f}')

# Plot model results
print("\n")
plt.plot(range(epochs), losses)
plt.xlabel("Epoch")
plt.ylabel("Mean Squared Error (MSE)")
plt.title('MSE loss vs training iterations')

# %% [markdown]
# 損失は 1 に近づいていきます。1 は加えたノイズの分散で、どんなモデルでもこれ以上は
# 減らせません。学習後の曲線はデータに沿っています。

# %%
plot_preds(x, y, f, quad_model, 'After training')

# %% [markdown]
# ## 同じモデルを Keras で
#
# ループを自分で書くと、すべての手順が見えます。`tf.keras` はよく使う手順をまとめて
# くれます。`compile` で損失と最適化手法を選び、`fit` がループを回します。
#
# `Dense` レイヤーが学習するのは線形の写像 `W·x + b` です。これで `w₁·x² + w₂·x + b`
# を学習するには、特徴量として `x` と `x²` を与えます。それを並べるのが `Lambda`
# レイヤーです。

# %%
new_model = tf.keras.Sequential([
    tf.keras.layers.Lambda(lambda x: tf.stack([x, x**2], axis=1)),
    tf.keras.layers.Dense(units=1, kernel_initializer=tf.random.normal)])

# %%
new_model.compile(
    loss=tf.keras.losses.MSE,
    optimizer=tf.keras.optimizers.SGD(learning_rate=0.01))

history = new_model.fit(x, y,
                        epochs=100,
                        batch_size=32,
                        verbose=0)

new_model.save('./my_new_model')

# %% [markdown]
# `fit` が返す `History` の `history` 辞書には、エポックごとの損失が入っています。

# %%
plt.plot(history.history['loss'])
plt.xlabel('Epoch')
plt.ylim([0, max(plt.ylim())])
plt.ylabel('Loss [Mean Squared Error]')
plt.title('Keras training progress')

# %%
plot_preds(x, y, f, new_model, 'After Training: Keras')

# %% [markdown]
# ## 学んだこと、次に読むもの
#
# - テンソルは shape と dtype を持つ変更不可の配列で、変わっていく状態は変数に持たせる。
# - `GradientTape` は演算を記録し、勾配を返す。
# - `tf.function` は Python をグラフにトレースし、新しいシグネチャのときだけ
#   トレースし直す。
# - `tf.Module` は変数と関数をまとめ、チェックポイントや SavedModel として保存できる。
# - 学習ループは「テープの中で損失、勾配、小さな一歩」の繰り返し。Keras なら `fit` 1 つ。
#
# 次は [Tensors](02_tensors.py)(英語)で最初のテーマを掘り下げます。minitf と
# TensorFlow の違いは [minitf and TensorFlow](../docs/minitf-and-tensorflow.md) にまとめています。
