/* The final non-digit set of the proxy sets (proxy-templates.h,
 * tools/ink/README.md "Proxy sets"): the one set of drawings that are no
 * digit that nothing is ever chosen with. It was designed after the
 * unseen set (proxy-unseen.c) had become a development set, and after the
 * lead's last change to the training drawings (styles.c), so that none of
 * its kinds is in styles.c, in the first non-digit set
 * (proxy-templates.c) or in the unseen set.
 *
 * styles.c draws the block capitals A E F H K M N R T U V W X Y, the print
 * lowercase h k m n r u v w x, a triangle, a square, a slanted box, a
 * star, a heart, arrows right and up, a plus, a smiley, a house, a zigzag
 * bolt, a wave, a cloud, an X with a bar, a ring in a ring, a # grid,
 * random walks, zigzags, hatching, spirals and glyphs of three to five
 * random strokes; and now random closed polygons of 3 to 8 corners,
 * sometimes with a stroke inside, and two-stroke figures of straight
 * lines that cross or meet. This set draws none of those: letters of
 * scripts no other set writes (Hebrew, Arabic, Devanagari, Korean,
 * Japanese kana), Chinese characters not used before, joined cursive
 * words not used before, three signs, pictures, two arrows of other
 * forms, and scribbles of new kinds (proxy-scribbles.c).
 *
 * Left out because a person may read them as a digit: Hebrew ג (a 1 with
 * a foot) and ב (a squared 3), Arabic ع ه م and the letters that look like
 * the Eastern Arabic digits (٣ ٧ ٨ ٥ ٤), Devanagari अ र and ३-like
 * letters, Korean 가 (its ㄱ is a 7), kana の (6) し つ (a J, a 7) ろ る ら
 * ち さ (3, 3, 5, 5, 5) and く へ (angles), the Chinese numerals 六 七 八 九,
 * 夕 (9) and 马 (5); the signs ? (a 2 or 7 with a dot), ! (1), & (8), $
 * and § (S: 5), £ (2); a circular arrow (0, 6), a
 * treble clef (8, &), a bass clef (9), a balloon or lollipop (9), an apple
 * (0), a snowman and a butterfly (8). Left out as near-copies of the
 * training: an envelope, a checkbox with a tick and a paper plane (closed
 * polygons with a stroke inside), concentric squares (polygons in a
 * polygon), the seagull bird (an m or w), a plain double arrow (the right
 * arrow with a second head), # and ~, the asterisk and the
 * equals sign (straight strokes that cross or lie apart), Hebrew א (an
 * X), Arabic ب (a wide u) and a coil spring (the first set's coil).
 * Hebrew מ and Devanagari म were drawn and dropped: the hand closes
 * the first into a D or a 0 and turns the second into a 9 with a bar.
 *
 * Reversible strokes (bit k for stroke k) are the ones people draw either
 * way; reorder marks drawings whose strokes come in either order. */
#include "proxy-scribbles.h"
#include "proxy-templates.h"

/* clang-format off */
#define T(name, path) {name, path, NULL, 0, 0}
#define TR(name, path, reversible, reorder) {name, path, NULL, reversible, reorder}
#define G(name, generate) {name, NULL, generate, 0, 0}

const ProxyTemplate proxy_final_templates[] = {
    /* Hebrew: shin (a bowl with a middle arm to its base) */
    T("x-letter-hebrew-shin", "M .05 .08 L .1 .02 C .12 .6 .2 .95 .42 .95 L .62 .95 C .7 .7 .72 .35 .7 .02 L .76 .06 "
                              "M .34 .06 L .38 .03 C .4 .35 .48 .55 .66 .68"),
    /* Arabic, isolated forms: shin, fa, kaf */
    T("x-letter-arabic-shin", "M .98 .45 C .98 .58 .92 .62 .87 .62 C .82 .62 .8 .56 .8 .47 C .8 .57 .76 .62 .71 .62 "
                              "C .66 .62 .63 .56 .63 .45 C .63 .78 .56 .96 .34 .96 C .12 .96 .02 .82 .02 .58 "
                              "M .72 .24 L .725 .245 M .88 .24 L .885 .245 M .8 .1 L .805 .105"),
    T("x-letter-arabic-fa", "M .95 .55 C .98 .42 .92 .3 .84 .32 C .76 .34 .76 .48 .84 .52 C .88 .54 .93 .54 .95 .55 "
                            "C .98 .82 .8 .88 .5 .88 C .2 .88 .05 .82 .02 .62 M .86 .14 L .865 .145"),
    T("x-letter-arabic-kaf", "M .15 .02 C .15 .4 .13 .75 .18 .88 C .3 1 .75 1 .9 .9 C .98 .82 .96 .62 .9 .55 "
                             "M .4 .52 C .46 .42 .54 .6 .62 .48"),
    /* Devanagari, with the head line: ka */
    TR("x-letter-deva-ka", "M 0 .1 L .95 .1 M .5 .1 L .5 1 M .5 .48 C .3 .3 .08 .4 .1 .56 C .12 .72 .35 .72 .5 .56 "
                           "C .68 .42 .85 .45 .86 .6 C .87 .75 .76 .8 .64 .74", 1, 0),
    /* Korean syllables in their stroke order: han, na, seo, mun */
    T("x-letter-hangul-han", "M .22 .02 L .3 .08 M .05 .16 L .5 .16 M .28 .22 A .28 .34 .15 .12 -90 270 "
                             "M .72 0 L .72 .6 M .72 .3 L .9 .3 M .15 .62 L .15 .95 L .92 .95"),
    T("x-letter-hangul-na", "M .12 .12 L .12 .8 C .12 .88 .22 .88 .52 .84 M .72 0 L .72 1 M .72 .46 L .92 .46"),
    T("x-letter-hangul-seo", "M .32 .12 C .3 .45 .2 .66 .03 .82 M .31 .44 C .36 .6 .46 .7 .56 .76 "
                             "M .82 0 L .82 1 M .6 .46 L .82 .46"),
    T("x-letter-hangul-mun", "M .22 .04 L .22 .36 M .22 .04 L .78 .04 L .78 .36 M .22 .35 L .78 .35 "
                             "M .04 .5 L .96 .5 M .5 .5 L .5 .68 M .2 .72 L .2 .96 L .86 .96"),
    /* Japanese hiragana in their stroke order: a, ka, ne, ma, o, na, nu, ha */
    T("x-letter-kana-a", "M .15 .2 L .75 .17 M .42 .02 C .4 .35 .42 .7 .5 .9 "
                         "M .62 .4 C .56 .7 .36 .9 .2 .85 C .04 .8 .1 .55 .36 .5 C .62 .45 .86 .55 .86 .7 "
                         "C .86 .86 .72 .95 .55 .97"),
    T("x-letter-kana-ka", "M .1 .3 L .55 .25 C .72 .23 .72 .45 .62 .75 C .56 .9 .48 .92 .4 .85 "
                          "M .38 .05 C .35 .45 .25 .75 .08 .95 M .76 .2 L .92 .42"),
    T("x-letter-kana-ne", "M .25 0 L .25 1 M .05 .25 L .4 .22 M .05 .56 L .3 .36 C .45 .25 .7 .3 .7 .6 "
                          "C .7 .86 .6 .96 .5 .9 C .4 .82 .5 .7 .62 .8 C .7 .86 .8 .95 .92 .9"),
    T("x-letter-kana-ma", "M .1 .2 L .8 .18 M .15 .42 L .75 .4 M .45 .02 L .45 .7 C .45 .96 .1 .96 .12 .8 "
                          "C .14 .65 .5 .7 .86 .95"),
    T("x-letter-kana-o", "M .08 .25 L .5 .22 M .3 .02 L .3 .76 C .3 .96 .1 .96 .1 .8 C .12 .6 .5 .5 .7 .6 "
                         "C .9 .72 .8 .95 .55 .97 M .75 .15 L .88 .3"),
    T("x-letter-kana-na", "M .08 .22 L .45 .2 M .3 .05 L .12 .55 M .66 .2 L .86 .32 "
                          "M .62 .4 L .6 .8 C .6 .98 .3 .98 .35 .85 C .4 .72 .75 .8 .92 .95"),
    T("x-letter-kana-nu", "M .2 .2 C .3 .5 .45 .75 .55 .95 M .62 .1 C .55 .5 .3 .85 .12 .8 C -.02 .76 .05 .5 .3 .4 "
                          "C .6 .3 .92 .45 .9 .72 C .88 .92 .65 .95 .62 .85 C .6 .76 .75 .74 .9 .9"),
    T("x-letter-kana-ha", "M .12 .05 C .05 .4 .05 .7 .12 .95 M .35 .35 L .9 .32 M .62 .05 L .62 .72 "
                          "C .62 .96 .3 .96 .32 .82 C .34 .68 .66 .74 .92 .95"),
    /* Chinese, in their stroke order: 王 手 月 女 文 雨 风 */
    TR("x-letter-han-wang", "M .1 .1 L .8 .1 M .15 .48 L .75 .48 M .45 .1 L .45 .9 M .05 .92 L .85 .92", 0xb, 0),
    T("x-letter-han-shou", "M .72 .02 C .55 .1 .35 .12 .18 .13 M .15 .35 L .75 .35 M .08 .6 L .82 .6 "
                           "M .45 .15 L .45 .92 C .45 1 .38 1 .3 .94"),
    T("x-letter-han-yue", "M .2 .05 L .2 .6 C .2 .8 .12 .92 .02 1 M .2 .05 L .72 .05 L .72 .92 C .72 1 .65 1 .58 .95 "
                          "M .2 .35 L .72 .35 M .2 .62 L .72 .62"),
    T("x-letter-han-nv", "M .35 0 C .3 .3 .2 .55 .15 .62 C .4 .7 .6 .85 .75 .98 M .6 .2 C .6 .55 .4 .85 .05 .98 "
                         "M .02 .45 L .9 .45"),
    T("x-letter-han-wen", "M .45 0 L .48 .12 M .05 .22 L .9 .22 M .7 .3 C .55 .65 .35 .85 .05 .98 "
                          "M .25 .32 C .4 .65 .65 .88 .95 .98"),
    T("x-letter-han-yu", "M .08 .05 L .88 .05 M .12 .25 L .12 .98 M .12 .25 L .82 .25 L .82 .92 C .82 1 .75 1 .7 .95 "
                         "M .47 .08 L .47 .9 M .25 .42 L .32 .52 M .25 .65 L .32 .75 M .6 .42 L .67 .52 M .6 .65 L .67 .75"),
    T("x-letter-han-feng", "M .2 .05 C .2 .5 .15 .8 .02 .98 M .2 .05 L .7 .05 C .7 .5 .72 .85 .8 .95 C .85 1 .95 .98 .95 .8 "
                           "M .3 .3 L .6 .72 M .6 .3 L .3 .72"),
    /* joined cursive words, lowercase (x-height .5), the t crossed last */
    TR("x-letter-cursive-cat", "M .2 .58 C .15 .5 .02 .52 .02 .75 C .02 .98 .18 1 .26 .9 C .32 .7 .4 .55 .5 .55 "
                               "C .35 .5 .28 .7 .3 .85 C .32 1 .48 .98 .5 .8 L .52 .55 C .51 .8 .52 .98 .62 .98 "
                               "C .68 .9 .72 .6 .74 .2 C .72 .6 .72 .95 .82 1 C .88 1 .92 .96 .95 .9 "
                               "M .62 .45 L .88 .43", 2, 0),
    TR("x-letter-cursive-hat", "M 0 .9 C .05 .6 .15 .3 .15 .12 C .15 -.02 .05 -.02 .05 .15 L .05 1 "
                               "C .08 .7 .15 .55 .22 .55 C .3 .55 .32 .7 .32 1 C .38 .7 .45 .55 .55 .55 "
                               "C .4 .5 .34 .7 .36 .85 C .38 1 .53 .98 .55 .8 L .57 .55 C .56 .8 .57 .98 .66 .98 "
                               "C .72 .9 .76 .6 .78 .2 C .76 .6 .76 .95 .86 1 C .92 1 .96 .96 .99 .9 "
                               "M .66 .45 L .92 .43", 2, 0),
    T("x-letter-cursive-sun", "M 0 .95 C .05 .8 .1 .65 .15 .55 C .2 .7 .28 .82 .25 .92 C .22 1 .12 1 .08 .95 "
                              "C .15 .98 .25 .9 .3 .55 C .28 .8 .3 1 .4 1 C .5 1 .52 .8 .53 .55 C .52 .8 .53 1 .62 .98 "
                              "C .66 .8 .68 .55 .72 .55 C .76 .55 .76 .8 .76 1 C .8 .7 .85 .55 .9 .55 "
                              "C .96 .55 .98 .75 .98 1 C 1 1 1.05 .98 1.08 .94"),
    T("x-letter-cursive-yes", "M 0 .6 C .02 .55 .06 .52 .08 .55 C .1 .75 .12 .95 .22 .95 C .3 .95 .33 .75 .34 .55 "
                              "L .34 1.1 C .34 1.35 .15 1.35 .15 1.2 C .15 1.05 .35 1 .45 .95 "
                              "C .52 .9 .6 .78 .6 .7 C .6 .62 .52 .6 .48 .68 C .44 .8 .5 .98 .62 .98 "
                              "C .68 .9 .72 .7 .74 .6 C .8 .72 .85 .85 .82 .93 C .8 1 .7 1 .66 .95"),
    /* signs */
    T("x-letter-sign-at", "M .62 .38 C .5 .28 .3 .32 .3 .55 C .3 .72 .5 .75 .6 .6 L .64 .35 L .6 .62 "
                          "C .6 .75 .7 .78 .78 .7 C .95 .5 .9 .1 .5 .08 C .2 .08 .02 .3 .02 .55 "
                          "C .02 .85 .3 1 .5 .98 C .62 .97 .72 .93 .8 .88"),
    T("x-letter-sign-percent", "M .22 .04 A .22 .16 .12 .12 -90 270 M .85 .02 L .15 .98 M .76 .72 A .76 .84 .12 .12 -90 270"),
    TR("x-letter-sign-euro", "M .72 .15 C .6 .02 .45 0 .35 .05 C .12 .15 .1 .4 .1 .5 C .1 .7 .15 .92 .38 .97 "
                             "C .5 1 .62 .95 .72 .85 M 0 .42 L .55 .42 M 0 .58 L .5 .58", 6, 0),

    /* pictures */
    T("x-shape-stickman", "M .5 .02 A .5 .14 .12 .12 -90 270 M .5 .26 L .5 .66 M .16 .5 L .5 .36 L .84 .5 "
                          "M .22 1 L .5 .66 L .78 1"),
    T("x-shape-car", "M .14 .72 L .02 .72 L .02 .45 L .25 .42 L .35 .2 L .7 .2 L .82 .42 L .98 .45 L .98 .72 L .86 .72 "
                     "M .34 .72 L .66 .72 M .34 .72 A .24 .72 .1 .1 0 360 M .86 .72 A .76 .72 .1 .1 0 360"),
    T("x-shape-boat", "M 0 .68 C .2 .98 .8 .98 1 .68 L 0 .68 M .5 .68 L .5 0 M .5 .05 L .85 .58 L .5 .58 "
                      "M .46 .12 C .3 .3 .2 .5 .15 .58 L .46 .58"),
    T("x-shape-catface", "M .15 .35 L .12 .02 L .35 .2 C .45 .17 .55 .17 .65 .2 L .88 .02 L .85 .35 "
                         "C .98 .55 .95 .9 .5 .92 C .05 .9 .02 .55 .15 .35 M .35 .45 L .355 .46 M .65 .45 L .655 .46 "
                         "M .45 .6 L .55 .6 L .5 .66 M .3 .65 L 0 .6 M .3 .7 L 0 .76 M .7 .65 L 1 .6 M .7 .7 L 1 .76"),
    T("x-shape-firtree", "M .5 0 L .25 .3 L .38 .3 L .12 .6 L .3 .6 L 0 .88 L 1 .88 L .7 .6 L .88 .6 L .62 .3 L .75 .3 L .5 0 "
                         "M .42 .88 L .42 1 L .58 1 L .58 .88"),
    T("x-shape-teacup", "M .1 .4 L .75 .4 C .75 .75 .6 .9 .42 .9 C .25 .9 .1 .75 .1 .4 M .73 .5 C .95 .45 .95 .72 .68 .72 "
                        "M 0 .95 C .3 1 .6 1 .9 .95 M .3 .3 C .25 .2 .35 .15 .3 .02 M .5 .3 C .45 .2 .55 .15 .5 .02"),
    T("x-shape-magnifier", "M .7 .38 A .38 .38 .32 .32 0 360 M .62 .6 L .9 .9 C .95 .96 1.02 .9 .97 .84 L .68 .55 "
                           "M .2 .32 C .22 .22 .28 .15 .36 .13"),
    T("x-shape-curvedarrow", "M .05 .85 C .05 .2 .8 .1 .9 .7 M .7 .55 L .9 .72 L 1 .48"),
    T("x-shape-doublearrow", "M .08 .6 C .3 .3 .7 .3 .92 .6 M .04 .38 L .08 .6 L .3 .62 M .7 .62 L .92 .6 L .96 .38"),
    T("x-shape-spider", "M .5 .35 A .5 .5 .12 .15 -90 270 M .4 .42 L .2 .3 L .05 .45 M .39 .48 L .15 .45 L .02 .6 "
                        "M .39 .55 L .15 .62 L .05 .78 M .41 .6 L .22 .78 L .15 .95 M .6 .42 L .8 .3 L .95 .45 "
                        "M .61 .48 L .85 .45 L .98 .6 M .61 .55 L .85 .62 L .95 .78 M .59 .6 L .78 .78 L .85 .95"),
    T("x-shape-bicycle", "M .4 .72 A .2 .72 .2 .2 0 360 M 1 .72 A .8 .72 .2 .2 0 360 "
                         "M .2 .72 L .4 .4 L .74 .4 L .8 .72 M .4 .4 L .5 .72 L .74 .4 M .33 .3 L .45 .3 M .39 .3 L .41 .4 "
                         "M .74 .4 L .71 .24 L .82 .2"),
    T("x-shape-bell", "M .1 .8 C .2 .7 .2 .2 .5 .15 C .8 .2 .8 .7 .9 .8 L .1 .8 M .5 .15 L .5 .04 "
                      "M .42 .82 C .42 .95 .58 .95 .58 .82"),
    T("x-shape-ghost", "M .1 .95 L .1 .45 C .1 .05 .9 .05 .9 .45 L .9 .95 C .84 .82 .76 .82 .7 .95 C .64 .82 .56 .82 .5 .95 "
                       "C .44 .82 .36 .82 .3 .95 C .24 .82 .16 .82 .1 .95 M .35 .4 L .355 .41 M .65 .4 L .655 .41"),

    /* scribbles of new kinds, made up per drawing */
    G("x-scribble-dashes", proxy_dashes),
    G("x-scribble-burst", proxy_burst),
    G("x-scribble-grass", proxy_grass),
    G("x-scribble-crack", proxy_crack),
    G("x-scribble-knot", proxy_knot),
};
/* clang-format on */

const int proxy_n_final_templates = (int)(sizeof proxy_final_templates / sizeof proxy_final_templates[0]);
