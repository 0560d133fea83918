/* FR-Train's batched grid, one run at a time, each epoch fused into a few passes over the rows.

   The same algorithm as frlib/frtrain.py (train_frtrain_grid; its docstrings give the formulas
   and the paper's sections): per epoch, one SGD step of the fairness discriminator D_F, one SGD
   step of the robustness discriminator D_R, and on the generator's epochs (every epoch of the
   warm-up, then every k-th) one Adam step of the generator. Runs are independent, so each is
   trained from its first epoch to its last before the next starts: its rows, labels and
   parameters stay in the processor's cache for the whole training.

   Rows are processed 16 at a time as one vector (GCC/Clang vector extensions; the compiler turns
   them into AVX-512, AVX2, SSE or NEON instructions). Row data arrive transposed and padded:
   for data set s, X[s] is (d, N) with the clean validation rows in columns [0, nv), padding to
   nvp (a multiple of 16), the training rows in [nvp, nvp + n), padding to N = nvp + np.
   Padded rows carry zero weight in every sum.

   Built and loaded by frlib/frtrain_compiled.py; frlib/frtrain.py falls back to torch when no
   C compiler is available. No allocation happens in the epoch loop. */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define V 16          /* rows per vector */
#define HMAX 64       /* largest D_R hidden layer */
#define LEAKY 0.2f    /* D_R's LeakyReLU slope, as the authors' */

typedef float vf __attribute__((vector_size(4 * V)));
typedef int vi __attribute__((vector_size(4 * V)));

static inline vf load(const float *p) { vf r; memcpy(&r, p, sizeof r); return r; }
static inline void store(float *p, vf x) { memcpy(p, &x, sizeof x); }
static inline vf splat(float x) { return (vf){0} + x; }
static inline vf select_(vi mask, vf a, vf b) { return (vf)(((vi)a & mask) | ((vi)b & ~mask)); }
static inline vf vmax0(vf x) { return select_(x > 0, x, splat(0.0f)); }
static inline vf vabs(vf x) { return select_(x < 0, -x, x); }
static inline vf leaky(vf x) { return select_(x > 0, x, x * LEAKY); }
static inline vf leaky_slope(vf x) { return select_(x > 0, splat(1.0f), splat(LEAKY)); }
static inline float hsum(vf x) { float s = 0; for (int i = 0; i < V; ++i) s += x[i]; return s; }

/* exp(x) = 2^m * exp(r), |r| <= ln2 / 2, degree-6 polynomial (Cephes expf, ~1 ulp). */
static inline vf vexp(vf x) {
    x = select_(x > 88.3762626647949f, splat(88.3762626647949f), x);
    x = select_(x < -87.3365478515625f, splat(-87.3365478515625f), x);
    vf t = x * 1.44269504088896341f + 0.5f;
    vi m = __builtin_convertvector(t, vi);
    m = m + (__builtin_convertvector(m, vf) > t);  /* floor: true is -1 */
    vf mf = __builtin_convertvector(m, vf);
    vf r = x - mf * 0.693359375f + mf * 2.12194440e-4f;
    vf p = 1.9875691500e-4f * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    return p * (vf)((m + 127) << 23);
}

/* log(x) for x > 0 (Cephes logf, ~1 ulp); x = 0 gives -100, torch's clamp of log in BCE. */
static inline vf vlog(vf x) {
    vi zero = x <= 1e-37f;
    x = select_(zero, splat(1.0f), x);
    vi bits = (vi)x;
    vi e = ((bits >> 23) & 0xff) - 126;
    vf m = (vf)((bits & 0x007fffff) | 0x3f000000);  /* [0.5, 1) */
    vi small = m < 0.707106781186547524f;
    e = e + small;                                  /* true is -1 */
    m = select_(small, m + m, m) - 1.0f;
    vf z = m * m;
    vf p = 7.0376836292e-2f * m - 1.1514610310e-1f;
    p = p * m + 1.1676998740e-1f;
    p = p * m - 1.2420140846e-1f;
    p = p * m + 1.4249322787e-1f;
    p = p * m - 1.6668057665e-1f;
    p = p * m + 2.0000714765e-1f;
    p = p * m - 2.4999993993e-1f;
    p = p * m + 3.3333331174e-1f;
    vf ef = __builtin_convertvector(e, vf);
    vf y = m * z * p + ef * -2.12194440e-4f - 0.5f * z + m + ef * 0.693359375f;
    return select_(zero, splat(-100.0f), y);
}

static inline vf sigmoid(vf x) { return 1.0f / (1.0f + vexp(-x)); }
static inline vf tanh_(vf x) { return 1.0f - 2.0f / (vexp(2.0f * x) + 1.0f); }
/* Binary cross-entropy of sigmoid(x) against target t: max(x, 0) - x t + log(1 + exp(-|x|)). */
static inline vf bce_logit(vf x, vf t) { return vmax0(x) - x * t + vlog(1.0f + vexp(-vabs(x))); }

typedef struct {
    int d, H, K;          /* features, D_R hidden units, D_R inputs d + 2 (features, label, 1) */
    int nv, nvp, n, np, N;
    const float *X;       /* (d, N) rows of this data set, transposed */
    const float *y, *z;   /* (np) training labels and groups */
    const float *scale;   /* (N) D_R's loss weight: 0.5 / nv (clean), 0.5 / n (generated), 0 (padding) */
    const float *target;  /* (N) D_R's target: 1 clean, 0 generated */
    const float *valid;   /* (np) 1 for training rows, 0 for padding */
} Rows;

/* D_R's pre-activations on 16 rows: W [x, label, 1]; returns its logit. */
static inline vf robustness_forward(const Rows *rows, const float *W, const float *w2, float b2,
                                    const float *label, int j, vf *pre, int H) {
    const int d = rows->d, K = rows->K, N = rows->N;
    vf lab = load(label + j);
    for (int h = 0; h < H; ++h) pre[h] = W[h * K + d + 1] + W[h * K + d] * lab;
    for (int k = 0; k < d; ++k) {
        vf x = load(rows->X + (long)k * N + j);
        for (int h = 0; h < H; ++h) pre[h] += W[h * K + k] * x;
    }
    vf logit = splat(b2);
    for (int h = 0; h < H; ++h) logit += w2[h] * leaky(pre[h]);
    return logit;
}

/* One SGD step of D_R on every row (loss 0.5 (clean + generated), section 3.2); returns its loss
   before the step when want_loss. The rows go in chunks of CHUNK vectors: a first pass computes
   D_R's output and q = dLoss/dpre (H vectors per 16 rows, kept in the buffer Q, which stays in
   the cache), a second pass reduces the first layer's gradient sum_rows q [x, label, 1] one
   input at a time with H accumulators in registers. Scratch: acc_W (K, H) and acc_w2 (H)
   vectors, Q (CHUNK, H) vectors. */
#define CHUNK 32
static inline float robustness_step(const Rows *rows, float *W, float *w2, float *b2, const float *label,
                                    float lr, int want_loss, vf *acc_W, vf *acc_w2, vf *Q, int H) {
    const int d = rows->d, K = rows->K, N = rows->N;
    for (int i = 0; i < K * H; ++i) acc_W[i] = splat(0.0f);
    for (int h = 0; h < H; ++h) acc_w2[h] = splat(0.0f);
    vf acc_b2 = splat(0.0f), acc_loss = splat(0.0f);
    for (int start = 0; start < N; start += CHUNK * V) {
        const int stop = start + CHUNK * V < N ? start + CHUNK * V : N;
        for (int j = start; j < stop; j += V) {
            vf pre[HMAX];
            vf logit = robustness_forward(rows, W, w2, *b2, label, j, pre, H);
            vf t = load(rows->target + j), s = load(rows->scale + j);
            vf g = (sigmoid(logit) - t) * s;  /* dLoss / dlogit */
            if (want_loss) acc_loss += bce_logit(logit, t) * s;
            acc_b2 += g;
            vf *q = Q + (j - start) / V * H;
            for (int h = 0; h < H; ++h) {
                vf slope = leaky_slope(pre[h]);
                acc_w2[h] += pre[h] * slope * g;
                q[h] = (g * w2[h]) * slope;  /* dLoss / dpre */
            }
        }
        for (int k = 0; k < K; ++k) {
            const float *input = k < d ? rows->X + (long)k * N : label;  /* k = d + 1: the bias' 1 */
            vf acc[HMAX];
            for (int h = 0; h < H; ++h) acc[h] = splat(0.0f);
            for (int j = start; j < stop; j += V) {
                const vf *q = Q + (j - start) / V * H;
                vf x = k <= d ? load(input + j) : splat(1.0f);
                for (int h = 0; h < H; ++h) acc[h] += q[h] * x;
            }
            for (int h = 0; h < H; ++h) acc_W[k * H + h] += acc[h];
        }
    }
    for (int h = 0; h < H; ++h) {
        for (int k = 0; k < K; ++k) W[h * K + k] -= lr * hsum(acc_W[k * H + h]);
        w2[h] -= lr * hsum(acc_w2[h]);
    }
    *b2 -= lr * hsum(acc_b2);
    return hsum(acc_loss);
}

typedef struct {
    int epochs, k, warmup, reweight_every, eo;
    float lr_g, lr_f, lr_r;
    const unsigned char *flags;  /* per epoch: RECORDED, LOSS_READ (from frtrain.py) */
} Schedule;

#define RECORDED 1   /* the curves get a point at this epoch */
#define LOSS_READ 2  /* the loss of the generator's step at this epoch is read */

/* Train one run; its parameters are updated in place. */
static inline void train_run(const Rows *rows, const Schedule *sc, float lambda_f, float lambda_r,
                             float *gen_w, float *gen_b, float *f_w, float *f_b,
                             float *W, float *w2, float *b2,
                             float *example_weights, float *clean_score, float *records, int record_stride,
                             float *work, int H) {
    const int d = rows->d, K = rows->K, nvp = rows->nvp, n = rows->n, np = rows->np, N = rows->N;
    const float *Xt = rows->X + nvp;  /* training rows: column j of Xt is row nvp + j */
    vf *acc_W = (vf *)work, *acc_w2 = acc_W + K * H, *acc_gen = acc_w2 + H, *Q = acc_gen + d;  /* (K H), (H), (d), (CHUNK H) */
    float *label = (float *)(Q + CHUNK * H);    /* (N): D_R's label column */
    float *weights = label + N;                 /* (np) example weights */
    float *m1 = weights + np, *m2 = m1 + d + 1;  /* Adam's moments of [w, b] */
    float *logit = label + nvp;                 /* the generator's logit lives in D_R's label column */
    const float inv_n = 1.0f / n, label_weight = 1.0f - lambda_f - lambda_r;
    float last_generator_loss = 0.0f, robustness_loss = 0.0f;
    int adam_steps = 0, point = 0;

    for (int j = 0; j < np; ++j) weights[j] = 1.0f;
    for (int i = 0; i <= d; ++i) m1[i] = m2[i] = 0.0f;
    for (int j = 0; j < np; j += V) {
        vf lg = splat(*gen_b);
        for (int k = 0; k < d; ++k) lg += gen_w[k] * load(Xt + (long)k * N + j);
        store(logit + j, lg * load(rows->valid + j));
    }

    for (int epoch = 0; epoch < sc->epochs; ++epoch) {
        const int record = sc->flags[epoch] & RECORDED, loss_read = sc->flags[epoch] & LOSS_READ;
        const int warmup = epoch < sc->warmup;
        const int game = !warmup && epoch % sc->k == 0;
        const int reweight = game && epoch % sc->reweight_every == 0;

        /* D_F: predict z from the generator's output (section 3.1); one SGD step on its BCE. */
        {
            vf gu = splat(0.0f), gv = splat(0.0f), gb = splat(0.0f), fl = splat(0.0f), ll = splat(0.0f);
            for (int j = 0; j < np; j += V) {
                vf lg = load(logit + j), z = load(rows->z + j), y = load(rows->y + j), ok = load(rows->valid + j);
                vf f = lg * f_w[0] + *f_b;
                if (sc->eo) f += y * f_w[1];
                vf g = (sigmoid(f) - z) * ok;
                gu += g * lg; gb += g; gv += g * y;
                if (record) { fl += bce_logit(f, z) * ok; ll += bce_logit(lg, y) * ok; }
            }
            f_w[0] -= sc->lr_f * hsum(gu) * inv_n;
            if (sc->eo) f_w[1] -= sc->lr_f * hsum(gv) * inv_n;
            *f_b -= sc->lr_f * hsum(gb) * inv_n;
            if (record) {
                records[(4 * point + 1) * record_stride] = hsum(fl) * inv_n;
                records[(4 * point + 3) * record_stride] = hsum(ll) * inv_n;
            }
        }

        /* D_R: clean validation rows (target 1) vs training rows labelled by the generator. */
        {
            float loss = robustness_step(rows, W, w2, b2, label, sc->lr_r, record || reweight, acc_W, acc_w2, Q, H);
            if (record || reweight) robustness_loss = loss;
        }

        /* The generator: dLoss/dlogit of every training row, then one Adam step on [w, b]. */
        if (warmup || game) {
            float a = 0.0f;
            if (reweight) a = 1.0f / (1.0f + expf(-(last_generator_loss / robustness_loss - 3.0f)));
            for (int k = 0; k < d; ++k) acc_gen[k] = splat(0.0f);
            vf acc_b = splat(0.0f), acc_loss = splat(0.0f);
            for (int j = 0; j < np; j += V) {
                vf lg = load(logit + j), y = load(rows->y + j), ok = load(rows->valid + j);
                vf grad;
                if (warmup) {
                    /* 0.1 * BCE((tanh(logit) + 1) / 2, y): gradient 0.1 (tanh(logit) - (2y - 1)) / n */
                    vf sign = 2.0f * y - 1.0f, t = tanh_(lg);
                    grad = 0.1f * (t - sign);
                    if (loss_read) acc_loss += -0.1f * vlog((1.0f + sign * t) * 0.5f) * ok;
                } else {
                    vf pre[HMAX];
                    vf fooled = robustness_forward(rows, W, w2, *b2, label, nvp + j, pre, H);
                    vf dlabel = splat(0.0f);  /* dD_R / dlabel */
                    for (int h = 0; h < H; ++h) dlabel += (w2[h] * W[h * K + d]) * leaky_slope(pre[h]);
                    vf sf = sigmoid(fooled);
                    vf ew = load(weights + j);
                    if (reweight) { ew = a * sf + (1.0f - a); store(weights + j, ew * ok + (1.0f - ok)); }
                    vf z = load(rows->z + j);
                    vf f = lg * f_w[0] + *f_b;
                    if (sc->eo) f += y * f_w[1];
                    grad = label_weight * ew * (sigmoid(lg) - y) - lambda_f * ew * (sigmoid(f) - z) * f_w[0]
                           - lambda_r * sf * dlabel;
                    if (loss_read)
                        acc_loss += (label_weight * bce_logit(lg, y) * ew - lambda_f * bce_logit(f, z) * ew
                                     - lambda_r * bce_logit(fooled, splat(0.0f))) * ok;
                }
                grad *= ok * inv_n;
                acc_b += grad;
                for (int k = 0; k < d; ++k) acc_gen[k] += grad * load(Xt + (long)k * N + j);
            }
            if (loss_read) last_generator_loss = hsum(acc_loss) * inv_n;
            if (record) records[(4 * point) * record_stride] = last_generator_loss;
            /* Adam (Kingma and Ba 2015) with torch's defaults: betas (0.9, 0.999), eps 1e-8. */
            ++adam_steps;
            const double step_size = sc->lr_g / (1.0 - pow(0.9, adam_steps));
            const double correction2 = sqrt(1.0 - pow(0.999, adam_steps));
            for (int i = 0; i <= d; ++i) {
                float g = i < d ? hsum(acc_gen[i]) : hsum(acc_b);
                float *p = i < d ? gen_w + i : gen_b;
                m1[i] += (g - m1[i]) * 0.1f;
                m2[i] = m2[i] * 0.999f + g * g * 0.001f;
                *p -= (float)step_size * m1[i] / (sqrtf(m2[i]) / (float)correction2 + 1e-8f);
            }
            for (int j = 0; j < np; j += V) {
                vf lg = splat(*gen_b);
                for (int k = 0; k < d; ++k) lg += gen_w[k] * load(Xt + (long)k * N + j);
                store(logit + j, lg * load(rows->valid + j));
            }
        } else if (record) {
            records[(4 * point) * record_stride] = last_generator_loss;
        }
        if (record) {
            records[(4 * point + 2) * record_stride] = robustness_loss;
            ++point;
        }
    }

    for (int j = 0; j < np; j += V) {
        vf pre[HMAX];
        vf score = sigmoid(robustness_forward(rows, W, w2, *b2, label, nvp + j, pre, H));
        float tmp[V];
        store(tmp, score);
        for (int i = 0; i < V && j + i < n; ++i) clean_score[j + i] = tmp[i];
    }
    for (int j = 0; j < n; ++j) example_weights[j] = weights[j];
}

/* Train R runs on each of S data sets. flags (epochs) say which epochs are recorded and which
   generator losses are read. Arrays are C-contiguous float32:
   X (S, d, N), y and z (S, np), vlabel (S, nvp) the clean rows' label 2 y - 1;
   lambdas (B); parameters per run b = s R + r: gen_w (B, d), gen_b (B), f_w (B, 2), f_b (B),
   W (B, H, d + 2), w2 (B, H), b2 (B); outputs example_weights, clean_score (B, n) and
   records (T, 4, B): generator, fairness, robustness and label loss at each recorded epoch.
   Only runs first <= b < last are trained: calls with disjoint ranges may run at once in
   separate threads (each allocates its own buffers; nothing is shared but read-only inputs).
   Returns 0, or 1 when H is too large, the range is wrong or memory runs out. */
int frtrain_train(int S, int R, int first, int last, int d, int H, int nv, int n,
                  int epochs, int k, int warmup, int reweight_every, int eo,
                  float lr_g, float lr_f, float lr_r, const unsigned char *flags,
                  const float *X, const float *y, const float *z, const float *vlabel,
                  const float *lambda_f, const float *lambda_r,
                  float *gen_w, float *gen_b, float *f_w, float *f_b, float *W, float *w2, float *b2,
                  float *example_weights, float *clean_score, float *records) {
    if (H > HMAX || H < 1 || first < 0 || last > S * R || first > last) return 1;
    const int nvp = (nv + V - 1) / V * V, np = (n + V - 1) / V * V, N = nvp + np, K = d + 2, B = S * R;
    const Schedule sc = {epochs, k, warmup, reweight_every, eo, lr_g, lr_f, lr_r, flags};
    size_t work_bytes = sizeof(vf) * (size_t)(K * H + H + d + CHUNK * H) + sizeof(float) * (size_t)(N + np + 2 * (d + 1) + V);
    float *shared = malloc(sizeof(float) * (size_t)(2 * N + np));
    void *work = NULL;
    if (!shared || posix_memalign(&work, 64, work_bytes)) { free(shared); return 1; }
    float *scale = shared, *target = shared + N, *valid = shared + 2 * N;
    for (int j = 0; j < N; ++j) {
        int clean = j < nv, generated = j >= nvp && j < nvp + n;
        scale[j] = clean ? 0.5f / nv : generated ? 0.5f / n : 0.0f;
        target[j] = clean ? 1.0f : 0.0f;
    }
    for (int j = 0; j < np; ++j) valid[j] = j < n ? 1.0f : 0.0f;

    float *label = (float *)((vf *)work + K * H + H + d + CHUNK * H);
    for (int run = first; run < last; ++run) {
        const int s = run / R;
        const size_t b = (size_t)run;
        const Rows rows = {d, H, K, nv, nvp, n, np, N, X + (size_t)s * d * N, y + (size_t)s * np,
                           z + (size_t)s * np, scale, target, valid};
        memcpy(label, vlabel + (size_t)s * nvp, sizeof(float) * nvp);
        if (H == 16)  /* the default: constant trip counts let the compiler keep D_R's layer in registers */
            train_run(&rows, &sc, lambda_f[b], lambda_r[b], gen_w + b * d, gen_b + b, f_w + 2 * b, f_b + b,
                      W + b * H * K, w2 + b * H, b2 + b, example_weights + b * n, clean_score + b * n,
                      records + b, B, work, 16);
        else
            train_run(&rows, &sc, lambda_f[b], lambda_r[b], gen_w + b * d, gen_b + b, f_w + 2 * b, f_b + b,
                      W + b * H * K, w2 + b * H, b2 + b, example_weights + b * n, clean_score + b * n,
                      records + b, B, work, H);
    }
    free(shared);
    free(work);
    return 0;
}
