/* The hand-designed drawings of the proxy sets (proxy-templates.h). Every
 * digit is here in several styles writers use, with the four that tablet
 * writers reported as misread (issue 16: 9-gtail, 4-opentop, 7-hook,
 * 1-flag) in several variants each. Designed for these sets only: none is
 * a copy of the training data's writer (writer.c) or of tests/data/strokes
 * beyond the plain shapes every digit has.
 *
 * Reversible strokes (bit k for stroke k) are the ones people draw either
 * way: bars, bases, crossings, separate stems. Reorder marks drawings whose
 * strokes come in either order (the bar of a 5 before or after its body). */
#include "proxy-templates.h"

#include "proxy-scribbles.h"

/* clang-format off */
#define T(name, path) {name, path, NULL, 0, 0}
#define TR(name, path, reversible, reorder) {name, path, NULL, reversible, reorder}
#define G(name, generate) {name, NULL, generate, 0, 0}

const ProxyTemplate proxy_digit_templates[] = {
    T("0-oval", "M .35 0 A .35 .5 .33 .5 -90 -455"),
    T("0-oval-cw", "M .35 0 A .35 .5 .33 .5 -90 275"),
    T("0-open", "M .46 .04 A .35 .5 .33 .5 -70 -400"),
    T("0-overlap", "M .3 .02 A .35 .5 .33 .49 -100 -360 A .35 .5 .31 .46 0 -150"),
    T("0-narrow", "M .35 0 A .35 .5 .2 .5 -90 -455"),
    T("0-round", "M .35 .1 A .35 .5 .35 .4 -90 -455"),
    T("0-pointed", "M .38 0 C .05 .1 0 .95 .35 1 C .72 1 .7 .15 .38 0"),
    T("0-looptop", "M .5 .08 C .3 -.05 0 .1 .02 .5 C .04 .9 .25 1 .38 1 C .6 1 .7 .75 .68 .45 C .66 .15 .5 -.02 .25 .05"),

    T("1-plain", "M .35 0 L .35 1"),
    T("1-slanted", "M .45 0 L .25 1"),
    TR("1-base", "M .35 0 L .35 1 M .1 1 L .6 1", 2, 0),
    T("1-flag", "M .15 .2 L .4 0 L .4 1"),
    T("1-flag-long", "M .02 .38 L .42 0 L .42 1"),
    T("1-flag-curved", "M .12 .2 C .25 .14 .36 .07 .42 0 L .38 1"),
    TR("1-flag-base", "M .15 .2 L .4 0 L .4 1 M .12 1 L .68 1", 2, 0),
    T("1-flag-foot", "M .15 .2 L .4 0 L .4 .9 C .42 .98 .5 1 .6 .97"),
    T("1-flag-wave", "M .03 .3 C .12 .18 .3 .15 .42 0 L .42 1"),
    TR("1-flag-twostroke", "M .15 .22 L .4 0 M .4 .02 L .4 1", 1, 1),

    T("2-plain", "M .08 .22 C .12 0 .62 -.05 .62 .28 C .62 .5 .2 .75 .03 1 L .68 1"),
    T("2-loop", "M .08 .22 C .12 0 .62 -.05 .62 .28 C .62 .55 .25 .75 .12 .9 C .02 1.02 .2 1.04 .3 .92 C .4 .85 .55 .98 .7 .98"),
    T("2-loop-big", "M .05 .25 C .08 0 .62 -.05 .6 .28 C .6 .55 .3 .7 .15 .82 C 0 .95 .1 1.05 .25 1 C .42 .95 .38 .78 .25 .82 C .15 .86 .4 1 .7 .98"),
    T("2-curly", "M .1 .3 C .1 .05 .6 0 .6 .3 C .6 .55 .1 .7 .1 .98 C .3 .96 .5 .96 .68 1"),
    T("2-swan", "M .02 .3 C .05 -.02 .65 -.05 .62 .3 C .6 .6 .15 .8 .05 1 C .3 .92 .5 .95 .7 .92"),
    T("2-sharp", "M .05 .2 C .1 -.02 .62 -.02 .6 .25 L .05 1 L .68 1"),
    T("2-hooktop", "M .15 .32 C .02 .3 .02 .1 .25 .03 C .5 -.03 .7 .2 .55 .42 L .05 1 L .68 .98"),
    T("2-wave", "M .08 .22 C .12 0 .62 -.05 .62 .28 C .62 .5 .2 .75 .03 1 C .25 .88 .45 1.05 .7 .93"),

    T("3-round", "M .08 .12 C .25 -.05 .65 0 .6 .25 C .56 .45 .3 .47 .25 .47 C .45 .47 .7 .55 .66 .78 C .6 1.05 .2 1.05 .05 .88"),
    T("3-flattop", "M .08 0 L .62 0 L .3 .4 C .6 .4 .72 .6 .65 .8 C .55 1.05 .15 1.02 .05 .85"),
    T("3-flattop-curved", "M .08 .02 L .6 0 C .45 .15 .35 .3 .28 .4 C .6 .38 .72 .62 .65 .8 C .55 1.03 .15 1.02 .03 .84"),
    T("3-pointed", "M .1 .1 C .3 -.05 .65 .05 .55 .3 L .3 .48 C .7 .5 .75 .85 .5 .97 C .35 1.03 .15 1 .05 .9"),
    T("3-twostroke", "M .08 .1 C .3 -.05 .65 .02 .6 .22 C .56 .4 .35 .45 .25 .46 M .22 .46 C .5 .46 .72 .58 .66 .78 C .6 1.03 .2 1.03 .05 .88"),
    T("3-bigbottom", "M .15 .12 C .3 0 .55 .02 .52 .18 C .5 .32 .35 .35 .3 .35 C .6 .38 .75 .6 .68 .8 C .6 1.03 .15 1.03 .03 .85"),
    T("3-looped", "M .08 .12 C .25 -.05 .65 0 .6 .25 C .56 .42 .35 .5 .25 .44 C .18 .38 .3 .36 .35 .45 C .6 .5 .7 .6 .66 .78 C .6 1.05 .2 1.05 .05 .88"),

    T("4-opentop", "M .1 0 L .08 .55 L .62 .55 L .58 0 L .6 1"),
    T("4-opentop-loop", "M .1 0 L .08 .55 L .52 .55 C .62 .5 .64 .15 .56 .02 C .5 .2 .56 .6 .56 1"),
    T("4-opentop-curved", "M .1 0 C .05 .3 .05 .55 .3 .57 L .65 .55 L .56 .05 L .57 1"),
    T("4-opentop-slanted", "M .28 0 L .03 .6 L .62 .6 L .55 .08 L .56 1"),
    T("4-opentop-round", "M .15 .05 C .05 .35 .05 .55 .35 .55 C .5 .55 .6 .45 .6 .05 C .55 .3 .55 .7 .57 1"),
    T("4-opentop-short", "M .1 .05 L .08 .55 L .6 .55 L .56 .2 L .58 1"),
    TR("4-open", "M .15 0 L .06 .6 L .7 .6 M .52 .15 L .52 1", 2, 0),
    TR("4-closed", "M .5 0 L .05 .65 L .7 .65 M .5 0 L .5 1", 2, 1),
    T("4-closed-one", "M .55 1 L .52 0 L .05 .65 L .72 .62"),
    TR("4-longbar", "M .3 0 L .05 .62 L .78 .62 M .45 .25 L .45 1", 2, 0),
    TR("4-longbar-closed", "M .45 0 L .02 .62 L .8 .62 M .45 0 L .45 1", 2, 1),

    TR("5-twostroke", "M .15 0 L .1 .45 C .3 .33 .65 .38 .65 .68 C .65 1 .25 1.05 .05 .88 M .15 0 L .62 0", 2, 1),
    T("5-onestroke", "M .62 0 L .15 0 L .1 .45 C .3 .33 .65 .38 .65 .68 C .65 1 .25 1.05 .05 .88"),
    TR("5-angular", "M .12 0 L .1 .45 L .5 .45 L .62 .6 L .62 .85 L .5 .98 L .08 .95 M .12 0 L .62 0", 2, 1),
    TR("5-round", "M .15 0 L .12 .42 C .4 .3 .72 .45 .68 .72 C .64 1 .2 1.05 .05 .85 M .15 .01 L .65 -.02", 2, 1),
    TR("5-bigbelly", "M .2 0 L .15 .35 C .5 .2 .75 .45 .7 .7 C .65 1 .2 1.05 .03 .85 M .2 0 L .6 0", 2, 1),
    TR("5-hooked", "M .15 0 L .1 .45 C .3 .33 .65 .38 .65 .68 C .65 1 .25 1.05 .08 .9 C .03 .84 .06 .78 .12 .8 M .15 0 L .62 0", 2, 1),
    TR("5-slopedbar", "M .15 .05 L .1 .45 C .3 .33 .65 .38 .65 .68 C .65 1 .25 1.05 .05 .88 M .15 .05 L .66 -.04", 2, 1),
    TR("5-gap", "M .12 .08 L .1 .45 C .3 .33 .65 .38 .65 .68 C .65 1 .25 1.05 .05 .88 M .25 0 L .65 0", 2, 1),

    T("6-curve", "M .55 0 C .25 .15 .05 .45 .08 .72 C .1 1 .6 1.05 .62 .72 C .63 .45 .2 .45 .1 .68"),
    T("6-open", "M .55 0 C .25 .15 .05 .45 .08 .72 C .1 1 .6 1.05 .62 .75 C .63 .55 .4 .5 .25 .58"),
    T("6-straight", "M .45 0 L .12 .6 C .05 .85 .2 1 .38 1 C .6 1 .68 .72 .5 .6 C .35 .5 .15 .6 .12 .7"),
    T("6-bigloop", "M .6 .05 C .3 0 .05 .3 .05 .65 C .05 .95 .3 1 .4 1 C .6 1 .68 .85 .66 .7 C .64 .5 .4 .42 .08 .62"),
    T("6-smallloop", "M .6 0 C .3 .2 .1 .6 .15 .82 C .2 1 .5 1 .52 .86 C .55 .7 .3 .66 .15 .8"),
    T("6-hookedtop", "M .65 .12 C .6 .02 .45 -.02 .35 .08 C .15 .3 .05 .55 .08 .75 C .12 1 .6 1.03 .62 .74 C .63 .5 .25 .48 .1 .68"),
    T("6-tall", "M .5 0 C .3 .2 .15 .5 .12 .78 C .12 1 .5 1.02 .5 .84 C .5 .68 .25 .68 .14 .78"),

    T("7-plain", "M .05 0 L .65 0 L .25 1"),
    TR("7-crossed", "M .05 0 L .65 0 L .25 1 M .2 .5 L .6 .5", 2, 0),
    T("7-serif", "M .05 .15 L .05 0 L .65 0 L .3 1"),
    T("7-curved", "M .05 .02 L .65 0 C .45 .3 .35 .6 .3 1"),
    T("7-curltop", "M .08 .15 C .02 .08 .05 0 .15 0 L .65 0 L .28 1"),
    T("7-hook", "M .05 0 L .65 0 L .35 .82 C .3 1 .2 1 .14 .92"),
    T("7-hook-right", "M .05 0 L .65 0 C .5 .3 .4 .6 .4 .84 C .4 1 .55 1 .62 .93"),
    T("7-hook-curl", "M .05 0 L .65 0 C .5 .3 .38 .6 .35 .84 C .32 1 .15 1 .18 .9 C .2 .82 .3 .84 .36 .9"),
    T("7-hook-long", "M .05 0 L .65 0 C .45 .3 .3 .6 .3 .85 C .3 .98 .45 1 .68 .95"),
    T("7-hook-wave", "M .05 0 L .65 0 C .35 .3 .55 .6 .35 .85 C .28 .95 .15 .95 .12 .88"),
    TR("7-hook-crossed", "M .05 0 L .65 0 L .36 .82 C .3 1 .2 1 .14 .92 M .22 .48 L .62 .48", 2, 0),

    T("8-loops", "M .35 0 A .35 .24 .23 .24 -90 -450 M .35 .48 A .35 .74 .3 .26 -90 270"),
    T("8-onestroke", "M .6 .12 C .5 -.05 .1 -.02 .12 .2 C .15 .42 .65 .5 .65 .75 C .65 1.03 .05 1.03 .05 .75 C .05 .5 .55 .42 .58 .22 C .6 .08 .55 .03 .5 0"),
    T("8-onestroke-mirror", "M .1 .12 C .2 -.05 .6 -.02 .58 .2 C .55 .42 .05 .5 .05 .75 C .05 1.03 .65 1.03 .65 .75 C .65 .5 .15 .42 .12 .22 C .1 .08 .15 .03 .2 0"),
    T("8-smalltop", "M .55 .1 C .45 -.03 .18 -.02 .2 .18 C .22 .38 .68 .48 .66 .76 C .64 1.04 .04 1.02 .06 .74 C .08 .5 .5 .4 .52 .2 C .53 .08 .5 .02 .45 0"),
    T("8-wide", "M .35 0 A .35 .24 .3 .24 -90 -450 M .35 .48 A .35 .74 .38 .26 -90 270"),
    T("8-snowman", "M .35 0 A .35 .21 .19 .21 -90 -450 M .35 .43 A .35 .715 .28 .285 -90 -450"),
    T("8-opentop", "M .6 .05 C .4 -.05 .1 0 .15 .22 C .2 .42 .65 .5 .65 .75 C .65 1.03 .05 1.03 .05 .75 C .05 .5 .5 .4 .55 .25"),

    T("9-straight", "M .62 .22 A .35 .22 .27 .22 0 -360 L .62 1"),
    T("9-twostroke", "M .62 .22 A .35 .22 .27 .22 0 -360 M .62 .08 L .62 1"),
    T("9-curved", "M .62 .22 A .35 .22 .27 .22 0 -360 C .62 .6 .55 .85 .42 1"),
    T("9-clockwise", "M .62 .22 A .35 .22 .27 .22 0 360 L .62 1"),
    T("9-smallloop", "M .6 .18 A .4 .18 .2 .18 0 -360 L .58 1"),
    T("9-gtail", "M .62 .22 A .35 .22 .27 .22 0 -360 L .62 .72 C .62 1 .3 1.05 .12 .9"),
    T("9-gtail-deep", "M .62 .22 A .35 .22 .27 .22 0 -360 C .62 .6 .68 .95 .35 1 C .2 1.02 .1 .95 .08 .85"),
    T("9-gtail-curl", "M .62 .22 A .35 .22 .27 .22 0 -360 L .62 .7 C .62 1 .25 1.05 .15 .88 C .1 .78 .22 .75 .3 .82"),
    T("9-gtail-open", "M .55 .05 A .35 .22 .27 .2 -50 -355 C .62 .6 .6 .95 .3 1 C .18 1.02 .1 .96 .08 .9"),
    T("9-gtail-wide", "M .62 .22 A .4 .2 .22 .2 0 -360 C .62 .65 .6 1 .25 1 C .05 1 -.05 .9 0 .78"),
    T("9-gtail-big", "M .6 .2 A .42 .2 .18 .18 0 -360 C .62 .5 .75 .95 .4 1 C .15 1.02 .02 .92 .05 .8"),
    T("9-gtail-twostroke", "M .62 .22 A .35 .22 .27 .22 0 -360 M .62 .06 L .62 .72 C .62 1 .3 1.05 .12 .9"),
};

/* Letters a person would not read as a digit (no O, I, l, S, Z, B, b, g,
 * q, G), shapes, and scribbles. */
const ProxyTemplate proxy_nondigit_templates[] = {
    TR("x-letter-A", "M 0 1 L .35 0 L .7 1 M .15 .6 L .55 .6", 2, 0),
    T("x-letter-C", "M .65 .18 A .38 .5 .36 .48 -35 -325"),
    TR("x-letter-E", "M .62 0 L .05 0 L .05 1 L .65 1 M .05 .5 L .5 .5", 2, 0),
    TR("x-letter-F", "M .62 0 L .05 0 L .05 1 M .05 .48 L .5 .48", 2, 0),
    TR("x-letter-H", "M .05 0 L .05 1 M .65 0 L .65 1 M .05 .5 L .65 .5", 4, 0),
    T("x-letter-K", "M .08 0 L .08 1 M .65 0 L .1 .55 L .68 1"),
    T("x-letter-M", "M 0 1 L .05 0 L .4 .6 L .75 0 L .8 1"),
    T("x-letter-N", "M .05 1 L .05 0 L .65 1 L .65 0"),
    T("x-letter-R", "M .05 1 L .05 0 C .75 -.05 .75 .52 .05 .5 L .65 1"),
    TR("x-letter-T", "M 0 0 L .7 0 M .35 0 L .35 1", 1, 1),
    T("x-letter-U", "M .05 0 L .05 .7 C .05 1.05 .65 1.05 .65 .7 L .65 0"),
    T("x-letter-V", "M 0 0 L .35 1 L .7 0"),
    T("x-letter-W", "M 0 0 L .2 1 L .4 .3 L .6 1 L .8 0"),
    TR("x-letter-X", "M .05 0 L .65 1 M .65 0 L .05 1", 3, 1),
    T("x-letter-Y", "M 0 0 L .35 .5 L .7 0 M .35 .5 L .35 1"),
    T("x-letter-small-a", "M .6 .25 C .45 0 .05 .1 .05 .55 C .05 .95 .45 1 .6 .65 L .62 .15 L .62 .88 C .63 .98 .7 1 .75 .95"),
    T("x-letter-small-e", "M .1 .55 L .65 .52 C .7 .2 .4 .02 .25 .1 C 0 .25 0 .85 .3 .97 C .45 1.02 .6 .95 .68 .85"),
    T("x-letter-small-h", "M .08 0 L .08 1 L .08 .6 C .2 .35 .6 .3 .62 .6 L .62 1"),
    T("x-letter-small-k", "M .08 0 L .08 1 M .6 .38 L .1 .72 L .62 1"),
    T("x-letter-small-m", "M .05 .25 L .05 1 L .05 .45 C .1 .15 .36 .15 .38 .45 L .38 1 L .38 .45 C .42 .15 .7 .15 .72 .45 L .72 1"),
    T("x-letter-small-n", "M .08 .15 L .08 1 L .08 .4 C .15 .05 .6 .05 .6 .4 L .62 1"),
    T("x-letter-small-p", "M .1 .1 L .1 1 M .1 .2 C .3 0 .7 .05 .65 .3 C .6 .55 .3 .55 .1 .45"),
    T("x-letter-small-r", "M .1 .1 L .1 1 L .1 .4 C .2 .1 .45 .05 .6 .12"),
    T("x-letter-small-u", "M .08 0 L .08 .65 C .1 1.02 .6 1.02 .6 .6 L .6 0 L .62 1"),
    T("x-letter-small-y", "M 0 0 L .32 .55 M .62 0 L .3 .75 C .22 .95 .12 1 .02 .95"),

    T("x-shape-triangle", "M .35 0 L 0 .8 L .72 .8 L .35 0"),
    T("x-shape-square", "M 0 0 L .7 0 L .7 .7 L 0 .7 L 0 0"),
    T("x-shape-star", "M .5 0 L .79 .9 L .02 .35 L .98 .35 L .21 .9 L .5 0"),
    T("x-shape-heart", "M .5 .28 C .5 0 0 -.05 .02 .35 C .04 .6 .35 .75 .5 .95 C .65 .75 .96 .6 .98 .35 C 1 -.05 .5 0 .5 .28"),
    TR("x-shape-arrow", "M 0 .5 L .9 .5 M .65 .28 L .92 .5 L .65 .72", 1, 0),
    TR("x-shape-arrow-left", "M .92 .5 L .02 .5 M .27 .28 L 0 .5 L .27 .72", 1, 0),
    G("x-shape-spiral", proxy_spiral),
    TR("x-shape-cross", "M .35 0 L .35 .7 M 0 .35 L .7 .35", 3, 1),
    T("x-shape-smiley", "M .5 .02 A .5 .5 .48 .48 -90 -455 M .33 .32 L .34 .4 M .66 .32 L .67 .4 M .25 .62 C .35 .82 .65 .82 .75 .62"),
    T("x-shape-house", "M 0 .45 L 0 1 L .75 1 L .75 .45 L 0 .45 L .375 0 L .75 .45"),
    T("x-shape-cloud", "M .15 .8 C -.05 .8 -.05 .5 .15 .5 C .12 .25 .4 .15 .5 .35 C .6 .15 .9 .2 .85 .45 C 1.05 .45 1.05 .8 .85 .8 L .15 .8"),
    T("x-shape-check", "M 0 .55 L .3 .9 L .9 0"),

    G("x-scribble-zigzag", proxy_zigzag),
    G("x-scribble-coil", proxy_coil),
    {"x-scribble-hatch", NULL, proxy_hatch, ~0u, 1},
    G("x-scribble-blot", proxy_blot),
    G("x-scribble-tangle", proxy_tangle),
};
/* clang-format on */

const int proxy_n_digit_templates = (int)(sizeof proxy_digit_templates / sizeof proxy_digit_templates[0]);
const int proxy_n_nondigit_templates = (int)(sizeof proxy_nondigit_templates / sizeof proxy_nondigit_templates[0]);
