/* The unseen non-digit set of the proxy sets (proxy-templates.h,
 * tools/ink/README.md "Proxy sets"): drawings that are no digit, designed
 * after reading the default model's training templates (styles.c) so that
 * the training holds no near-copy of them.
 *
 * styles.c draws the block capitals A E F H K M N R T U V W X Y, the print
 * lowercase h k m n r u v w x, a triangle, a square, a slanted box, a
 * star, a heart, arrows right and up, a plus, a smiley, a house, a zigzag
 * bolt, a wave, a cloud, an X with a bar, a ring in a ring, a # grid, and
 * random walks, zigzags, hatching and spirals. The first non-digit set
 * (proxy-templates.c) redraws many of those; this one draws none of them,
 * and none of the first set's kinds either: handwriting forms (joined
 * cursive words, script capitals with loops and flourishes, a serifed T,
 * lowercase t f j d and a curved x), Greek, Chinese and Cyrillic letters,
 * shapes the training lacks, and scribbles of other kinds
 * (proxy-scribbles.c).
 *
 * Left out because a person may read them as a digit (or as one written
 * with an extra stroke): Greek beta, gamma, delta, epsilon, theta, phi and
 * Xi (8, 8, 6, 3, 0, 0, 3), Cyrillic Б З Ч Г Я Ф Ю (6, 3, 4, 7, 9, 0,
 * 10), Chinese 一 二 三 十 (1, 2, 3, +), 了 子 (7), 口 日 田 (0, 8, #),
 * the infinity sign (8), a raindrop (0), an hourglass or bow tie (8), an
 * ellipse or planet with a line through (0 crossed), glasses (00), tally
 * marks (5); and as near-copies of the training: Ж (its X with a bar), a
 * lightning bolt, a wavy line, an envelope or a cup (its square and U),
 * Greek mu (its u).
 *
 * Reversible strokes (bit k for stroke k) are the ones people draw either
 * way; reorder marks drawings whose strokes come in either order. */
#include "proxy-scribbles.h"
#include "proxy-templates.h"

/* clang-format off */
#define T(name, path) {name, path, NULL, 0, 0}
#define TR(name, path, reversible, reorder) {name, path, NULL, reversible, reorder}
#define G(name, generate) {name, NULL, generate, 0, 0}

const ProxyTemplate proxy_unseen_templates[] = {
    /* joined cursive words, lowercase (x-height .5, wider than tall) */
    T("x-letter-cursive-we", "M 0 .5 C .02 .8 .06 1 .17 1 C .28 1 .31 .85 .32 .62 C .33 .85 .37 1 .48 1 C .6 1 .66 .8 .64 .5 "
                             "C .63 .58 .7 .64 .8 .62 C .98 .6 1.08 .5 1.02 .43 C .96 .36 .82 .44 .82 .66 C .82 .92 .96 1.02 1.2 .9"),
    T("x-letter-cursive-mum", "M 0 1 C .03 .75 .07 .5 .13 .5 C .2 .5 .22 .7 .22 1 C .23 .7 .27 .5 .33 .5 C .4 .5 .42 .7 .42 1 "
                              "C .43 .7 .47 .5 .53 .5 C .6 .5 .62 .7 .62 .9 C .62 1 .7 1 .74 .9 L .76 .5 C .74 .8 .76 1 .86 1 "
                              "C .94 1 .96 .8 .96 .5 L .96 .9 C .97 1 1 1 1.04 .92 C 1.06 .7 1.1 .5 1.16 .5 C 1.23 .5 1.25 .7 1.25 1 "
                              "C 1.26 .7 1.3 .5 1.36 .5 C 1.43 .5 1.45 .7 1.45 1 C 1.46 .7 1.5 .5 1.56 .5 C 1.63 .5 1.65 .7 1.66 1"),
    TR("x-letter-cursive-hi", "M 0 1 C .1 .8 .25 .5 .25 .2 C .25 .02 .12 .02 .12 .2 L .12 1 C .14 .7 .2 .55 .28 .55 "
                              "C .36 .55 .38 .7 .38 .9 C .38 1 .45 1.02 .5 .92 C .53 .8 .55 .65 .56 .55 C .56 .75 .56 .95 .62 1 "
                              "C .66 1 .7 .96 .72 .9 M .56 .36 L .565 .37", 0, 1),
    TR("x-letter-cursive-it", "M 0 .9 C .05 .8 .1 .65 .12 .5 C .11 .7 .11 .95 .18 1 C .24 1 .28 .95 .3 .85 C .33 .6 .36 .3 .37 .1 "
                              "C .35 .4 .34 .9 .42 1 C .48 1.02 .53 .95 .56 .88 M .13 .33 L .135 .34 M .22 .42 L .52 .42", 4, 1),
    /* script capitals: hooked stems, looped bars, flourishes */
    T("x-letter-script-H", "M 0 .2 C .05 .05 .25 -.02 .25 .15 C .25 .4 .18 .75 .12 1 M .72 .02 C .65 .35 .58 .7 .6 1 "
                           "M .08 .55 C .25 .45 .35 .6 .4 .52 C .45 .44 .38 .4 .36 .48 C .34 .56 .5 .6 .68 .5"),
    T("x-letter-script-K", "M 0 .2 C .05 .05 .25 -.02 .25 .15 C .25 .4 .18 .75 .12 1 "
                           "M .7 .05 C .5 .15 .3 .4 .32 .5 C .34 .6 .42 .56 .4 .48 C .38 .42 .3 .5 .4 .62 C .5 .8 .6 1 .75 .98"),
    T("x-letter-script-M", "M .02 .25 C .05 .05 .15 0 .16 .15 L .12 1 C .18 .5 .25 .02 .35 .05 C .42 .1 .42 .5 .38 1 "
                           "C .45 .5 .52 .02 .62 .05 C .7 .1 .7 .6 .7 .9 C .7 1 .78 1.02 .85 .95"),
    T("x-letter-script-W", "M .05 .15 C 0 0 .15 -.02 .15 .15 C .15 .5 .18 1 .28 1 C .38 1 .4 .6 .42 .4 C .44 .6 .46 1 .58 1 "
                           "C .7 1 .75 .5 .75 .1 C .75 0 .82 0 .85 .08"),
    TR("x-letter-serif-T", "M .02 .12 L .02 0 L .72 0 L .72 .12 M .37 0 L .37 1 M .22 1 L .52 1", 5, 0),
    /* lowercase forms the training has no letter of */
    TR("x-letter-small-t", "M .3 0 L .3 .8 C .3 1 .45 1.02 .6 .9 M .05 .3 L .58 .3", 2, 1),
    TR("x-letter-small-f", "M .62 .1 C .55 0 .4 -.02 .35 .1 L .3 .9 C .28 1.05 .15 1.05 .08 .95 M .05 .4 L .55 .4", 2, 0),
    T("x-letter-small-j", "M .45 .3 L .45 .85 C .45 1.05 .25 1.05 .15 .92 M .46 .1 L .465 .11"),
    T("x-letter-small-d", "M .55 .45 C .45 .3 .1 .35 .08 .7 C .06 1 .45 1.02 .55 .75 L .58 0 L .56 .9 C .57 1 .63 1 .68 .95"),
    TR("x-letter-curly-x", "M .05 .05 C .35 .15 .4 .85 .05 .95 M .65 .05 C .35 .15 .3 .85 .65 .95", 3, 1),
    /* Greek */
    T("x-letter-greek-alpha", "M .75 .3 C .6 .55 .5 .9 .3 .95 C .1 1 .02 .8 .05 .62 C .08 .45 .25 .35 .38 .45 C .5 .55 .6 .85 .75 .98"),
    T("x-letter-greek-lambda", "M .1 0 C .2 0 .25 .1 .3 .25 L .65 1 M .38 .5 L .05 1"),
    TR("x-letter-greek-pi", "M 0 .12 C .1 0 .3 .08 .75 .02 M .25 .06 C .25 .5 .2 .8 .12 1 M .52 .05 L .52 .85 C .52 1 .62 1 .7 .92", 1, 0),
    T("x-letter-greek-Sigma", "M .7 .1 L .7 0 L .05 0 L .4 .5 L .05 1 L .72 1 L .72 .9"),
    T("x-letter-greek-Omega", "M .05 1 L .22 1 C .05 .85 0 .6 .05 .4 C .1 .1 .3 0 .4 0 C .55 0 .75 .15 .75 .45 "
                              "C .75 .65 .7 .85 .55 1 L .75 1"),
    TR("x-letter-greek-psi", "M 0 .2 C 0 .6 .15 .75 .37 .75 C .6 .75 .75 .6 .75 .2 M .38 0 L .38 1", 2, 1),
    /* Chinese, in their stroke order: 人 大 中 木 山 水 火 小 心 */
    T("x-letter-han-ren", "M .42 0 C .4 .4 .25 .75 0 1 M .4 .35 C .5 .65 .65 .9 .8 .98"),
    T("x-letter-han-da", "M .05 .35 L .8 .33 M .43 0 C .42 .5 .3 .8 .02 1 M .45 .4 C .55 .7 .7 .9 .85 .98"),
    T("x-letter-han-zhong", "M .1 .25 L .12 .7 M .1 .25 L .7 .23 L .66 .7 M .12 .68 L .66 .68 M .4 0 L .4 1"),
    T("x-letter-han-mu", "M .05 .3 L .85 .3 M .45 0 L .45 1 M .44 .33 C .35 .55 .2 .75 .02 .88 M .47 .36 C .55 .55 .7 .75 .88 .88"),
    T("x-letter-han-shan", "M .4 0 L .4 .92 M .08 .3 L .08 .95 L .75 .95 M .75 .3 L .75 1"),
    T("x-letter-han-shui", "M .42 0 L .42 .92 C .42 1 .35 1 .28 .94 M .08 .32 L .3 .32 C .25 .55 .15 .75 .02 .88 "
                           "M .75 .22 C .65 .32 .58 .38 .5 .42 M .48 .38 C .58 .62 .7 .82 .88 .95"),
    T("x-letter-han-huo", "M .18 .25 L .25 .42 M .72 .2 L .62 .42 M .46 0 C .45 .5 .3 .85 .03 1 M .47 .5 C .58 .75 .72 .92 .88 .98"),
    T("x-letter-han-xiao", "M .42 0 L .42 .9 C .42 1 .34 1 .28 .93 M .2 .35 L .08 .7 M .62 .35 L .78 .65"),
    T("x-letter-han-xin", "M .1 .45 L .18 .62 M .25 .3 C .22 .75 .35 .95 .55 .95 C .7 .95 .78 .9 .85 .75 L .78 .7 "
                          "M .45 .2 L .52 .38 M .75 .3 L .85 .45"),
    /* Cyrillic */
    T("x-letter-cyr-De", "M .25 .02 C .25 .5 .18 .75 .05 .85 M .25 .02 L .65 0 L .65 .85 M 0 1 L 0 .85 L .78 .85 L .78 1"),
    T("x-letter-cyr-I", "M .05 0 L .05 1 L .65 0 L .65 1"),

    /* shapes */
    T("x-shape-moon", "M .587 .008 A .5 .5 .5 .5 -80 -280 A .85 .5 .558 .558 118 242"),
    T("x-shape-diamond", "M .4 0 L .8 .5 L .4 1 L 0 .5 L .4 0"),
    T("x-shape-pentagon", "M .5 .03 L .976 .375 L .794 .935 L .206 .935 L .024 .375 L .5 .03"),
    T("x-shape-hexagon", "M 1 .45 L .75 .883 L .25 .883 L 0 .45 L .25 .017 L .75 .017 L 1 .45"),
    T("x-shape-eye", "M 0 .5 C .25 .1 .75 .1 1 .5 C .75 .9 .25 .9 0 .5 M .5 .34 A .5 .5 .16 .16 -90 270 M .5 .5 L .51 .51"),
    TR("x-shape-sun", "M .72 .5 A .5 .5 .22 .22 0 -360 M .786 .619 L .953 .688 M .619 .786 L .688 .953 M .381 .786 L .312 .953 "
                      "M .214 .619 L .047 .688 M .214 .381 L .047 .312 M .381 .214 L .312 .047 M .619 .214 L .688 .047 "
                      "M .786 .381 L .953 .312", 0x1fe, 0),
    T("x-shape-flower", "M .5 .46 C .284 .094 .716 .094 .52 .465 C .744 .11 .96 .484 .54 .5 C .96 .516 .744 .89 .52 .535 "
                        "C .716 .906 .284 .906 .48 .535 C .256 .89 .04 .516 .46 .5 C .04 .484 .256 .11 .48 .465 "
                        "M .58 .5 A .5 .5 .08 .08 0 -360"),
    T("x-shape-fish", "M 1 .25 L .78 .5 C .6 .85 .2 .85 0 .5 C .2 .15 .6 .15 .78 .5 L 1 .75 L 1 .25 M .2 .45 L .21 .46"),
    TR("x-shape-leaf", "M .1 .9 C .1 .4 .5 .05 .9 .05 C .9 .55 .55 .9 .1 .9 M 0 1 L .7 .25", 2, 0),
    T("x-shape-notes", "M .27 .85 A .15 .85 .12 .08 0 -720 M .27 .85 L .27 .1 M .82 .75 A .7 .75 .12 .08 0 -720 M .82 .75 L .82 0 "
                       "M .27 .1 L .82 0 M .27 .2 L .82 .1"),
    T("x-shape-umbrella", "M 0 .45 C .05 .05 .95 .05 1 .45 C .92 .35 .75 .35 .67 .45 C .6 .35 .4 .35 .33 .45 C .25 .35 .08 .35 0 .45 "
                          "M .5 .12 L .5 .9 C .5 1 .35 1 .35 .9"),
    T("x-shape-key", "M .36 .5 A .2 .5 .16 .16 0 360 M .36 .5 L 1 .5 L 1 .66 M .86 .5 L .86 .62"),
    T("x-shape-anchor", "M .4 .18 A .4 .1 .08 .08 90 450 M .4 .18 L .4 1 M .2 .32 L .6 .32 "
                        "M 0 .62 L .05 .7 C .12 .95 .3 1 .4 1 C .5 1 .68 .95 .75 .7 L .8 .62"),
    T("x-shape-rainbow", "M 0 .8 A .5 .8 .5 .5 180 360 M .12 .8 A .5 .8 .38 .38 180 360 M .24 .8 A .5 .8 .26 .26 180 360"),
    T("x-shape-bone", "M .2 .4 L .8 .4 C .85 .2 1.02 .25 .98 .4 C 1.05 .48 1.05 .62 .95 .65 C 1 .8 .85 .85 .8 .66 L .2 .66 "
                      "C .15 .85 0 .8 .05 .65 C -.05 .62 -.05 .48 .02 .4 C -.02 .25 .15 .2 .2 .4"),
    T("x-shape-crown", "M 0 1 L 0 .2 L .25 .6 L .5 .1 L .75 .6 L 1 .2 L 1 1 L 0 1"),

    /* scribbles of kinds the training does not draw, made up per drawing */
    G("x-scribble-signature", proxy_signature),
    {"x-scribble-shading", NULL, proxy_shading, 1, 1},
    G("x-scribble-dots", proxy_dots),
    G("x-scribble-strikeout", proxy_strikeout),
    G("x-scribble-maze", proxy_maze),
    G("x-scribble-yarn", proxy_yarn),
    {"x-scribble-stitches", NULL, proxy_stitches, ~0u, 0},
};
/* clang-format on */

const int proxy_n_unseen_templates = (int)(sizeof proxy_unseen_templates / sizeof proxy_unseen_templates[0]);
