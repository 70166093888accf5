#!/usr/bin/env python3
"""The translations are complete (TAP).

usage: check-po.py SOURCE_ROOT

For every language in po/LINGUAS: xgettext extracts today's strings from
po/POTFILES.in into a scratch directory (the same keywords and flags as
meson's i18n.gettext(preset: 'glib')), and every message must be in
po/LANG.po, translated and not fuzzy; msgfmt --check must pass on the .po
and on the .po merged with today's template (so a format flag xgettext finds
now is checked too). Also: every file with marked strings is listed in
POTFILES.in, and no user-visible property in ui/*.ui is left unmarked.
Skips (1..0 # SKIP) when gettext's tools are absent. Standard library only.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

# meson's PRESET_ARGS['glib'] (mesonbuild/modules/i18n.py); po/meson.build
# uses that preset, so `meson compile digit-lab-pot` extracts the same.
XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format', '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format', '--flag=g_printerr:1:c-format', '--flag=g_printf:1:c-format',
    '--flag=g_fprintf:2:c-format', '--flag=g_sprintf:2:c-format', '--flag=g_snprintf:3:c-format',
]
# A C source with one of these calls has strings for translators.
C_MARK = re.compile(r'\b(?:_|N_|C_|NC_|ngettext|g_dngettext|g_dgettext|g_dpgettext2)\s*\(\s*"')
# GtkBuilder properties whose value a person reads (GTK 4, libadwaita).
UI_TEXT_PROPERTIES = {
    'label', 'title', 'subtitle', 'tooltip-text', 'tooltip-markup', 'description',
    'placeholder-text', 'text', 'heading', 'body', 'button-label', 'secondary-text',
    'accessible-name', 'accessible-description', 'title-widget-label',
}

n = 0
failed = 0


def ok(name):
    global n
    n += 1
    print(f'ok {n} - {name}')


def not_ok(name, details=()):
    global n, failed
    n += 1
    failed += 1
    print(f'not ok {n} - {name}')
    for line in details:
        print(f'# {line}')


def check(cond, name, details=()):
    if cond:
        ok(name)
    else:
        not_ok(name, details)


def po_string(lines):
    """The value of a keyword's quoted lines, C escapes undone."""
    out = []
    for raw in lines:
        s = raw.strip()
        if not (s.startswith('"') and s.endswith('"')):
            raise ValueError(f'not a quoted string: {raw!r}')
        out.append(s[1:-1])
    text = ''.join(out)
    return re.sub(r'\\(.)', lambda m: {'n': '\n', 't': '\t', '"': '"', '\\': '\\', 'r': '\r'}.get(m.group(1), '\\' + m.group(1)), text)


def parse_po(path):
    """{(msgctxt, msgid): entry} of a .po or .pot file; obsolete (#~) entries
    are left out. entry: msgid_plural, msgstr (list), fuzzy, line."""
    entries = {}
    with open(path, encoding='utf-8') as f:
        text = f.read()
    for block_start, block in blocks(text):
        flags, fields, current, first_line = set(), {}, None, None
        for offset, line in enumerate(block):
            if line.startswith('#~'):
                fields = None
                break
            if line.startswith('#,'):
                flags.update(f.strip() for f in line[2:].split(','))
                continue
            if line.startswith('#'):
                continue
            m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")\s*$', line)
            if m:
                current = m.group(1)
                fields[current] = [m.group(2)]
                if current == 'msgid':
                    first_line = block_start + offset + 1
            elif line.startswith('"') and current:
                fields[current].append(line)
            else:
                raise ValueError(f'{path}:{block_start + offset + 1}: cannot read {line!r}')
        if not fields or 'msgid' not in fields:
            continue
        ctxt = po_string(fields['msgctxt']) if 'msgctxt' in fields else None
        msgid = po_string(fields['msgid'])
        strs = [po_string(v) for k, v in sorted(fields.items()) if k.startswith('msgstr')]
        entries[(ctxt, msgid)] = {
            'msgid_plural': po_string(fields['msgid_plural']) if 'msgid_plural' in fields else None,
            'msgstr': strs,
            'fuzzy': 'fuzzy' in flags,
            'line': first_line,
        }
    return entries


def blocks(text):
    """(first line number, lines) of each blank-line separated block."""
    start, cur = 0, []
    for i, line in enumerate(text.split('\n')):
        if line.strip() == '':
            if cur:
                yield start, cur
            cur = []
        else:
            if not cur:
                start = i
            cur.append(line)
    if cur:
        yield start, cur


def listed_files(root):
    with open(os.path.join(root, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        return [l.strip() for l in f if l.strip() and not l.lstrip().startswith('#')]


def files_with_strings(root):
    """The sources a person reads strings from: C files with a gettext call
    on a literal (the application's, the dlab command line's, the run
    options' help the command line prints, and the engine's texts the
    application shows), every .ui file, and the .in/.xml data files."""
    found = []
    for sub, ext in (('engine/cli', '.c'), ('engine/cli', '.h'), ('engine/src/run', '.c'), ('src', '.c'),
                     ('ui', '.ui')):
        d = os.path.join(root, sub)
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if not name.endswith(ext):
                continue
            path = os.path.join(d, name)
            with open(path, encoding='utf-8') as f:
                text = f.read()
            if ext == '.ui' or C_MARK.search(text):
                found.append(f'{sub}/{name}')
    # Anywhere in the engine's library: its texts the application shows
    # (the zoo's descriptions, the recipes') are marked with a no-op N_().
    engine = os.path.join(root, 'engine', 'src')
    for d, _dirs, names in sorted(os.walk(engine)):
        for name in sorted(names):
            path = os.path.join(d, name)
            rel = os.path.relpath(path, root).replace(os.sep, '/')
            if name.endswith('.c') and rel not in found:
                with open(path, encoding='utf-8') as f:
                    if C_MARK.search(f.read()):
                        found.append(rel)
    res = os.path.join(root, 'resources')
    for name in sorted(os.listdir(res)) if os.path.isdir(res) else []:
        if name.endswith(('.desktop.in', '.metainfo.xml.in', '.gschema.xml')):
            found.append(f'resources/{name}')
    return found


def unmarked_ui_strings(root):
    """'file:property text' for each user-visible .ui string without
    translatable="yes" (translatable="no" is a deliberate choice)."""
    bad = []
    d = os.path.join(root, 'ui')
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if not name.endswith('.ui'):
            continue
        tree = ET.parse(os.path.join(d, name))
        for el in tree.iter():
            text = (el.text or '').strip()
            if not text or 'translatable' in el.attrib:
                continue
            kind = el.get('name')
            if el.tag == 'property' and kind in UI_TEXT_PROPERTIES:
                bad.append(f'ui/{name}: <property name="{kind}">{text}')
            elif el.tag == 'attribute' and kind == 'label':
                bad.append(f'ui/{name}: <attribute name="label">{text}')
            elif el.tag == 'item':
                bad.append(f'ui/{name}: <item>{text}')
    return bad


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get('DLAB_SOURCE_ROOT', '.'))
    tools = {t: shutil.which(t) for t in ('xgettext', 'msgfmt', 'msgmerge')}
    absent = [t for t, p in tools.items() if not p]
    if absent:
        print(f'1..0 # SKIP {", ".join(absent)} not installed (Debian: apt install gettext)')
        return 0

    listed = listed_files(root)
    missing_files = [p for p in listed if not os.path.isfile(os.path.join(root, p))]
    check(not missing_files, 'every file in po/POTFILES.in exists', missing_files)
    unlisted = [p for p in files_with_strings(root) if p not in listed]
    check(not unlisted, 'every file with marked strings is listed in po/POTFILES.in',
          [f'{p}: add it to po/POTFILES.in' for p in unlisted])
    unmarked = unmarked_ui_strings(root)
    check(not unmarked, 'every user-visible string in ui/*.ui is marked translatable="yes"', unmarked[:20])

    with tempfile.TemporaryDirectory(prefix='dlab-i18n-') as tmp:
        pot = os.path.join(tmp, 'digit-lab.pot')
        r = run([tools['xgettext'], *XGETTEXT_ARGS, '--directory', root,
                 '--files-from', os.path.join(root, 'po', 'POTFILES.in'), '--output', pot])
        check(r.returncode == 0 and os.path.isfile(pot), 'xgettext extracts the strings of po/POTFILES.in',
              r.stderr.strip().splitlines()[:10])
        if r.returncode != 0 or not os.path.isfile(pot):
            print(f'1..{n}')
            return 1
        template = {k: v for k, v in parse_po(pot).items() if k[1] != ''}
        check(len(template) > 0, f'the template has {len(template)} messages')

        with open(os.path.join(root, 'po', 'LINGUAS'), encoding='utf-8') as f:
            languages = [w for l in f if not l.lstrip().startswith('#') for w in l.split()]
        check(languages, f'po/LINGUAS names {len(languages)} language(s): {" ".join(languages)}')
        for lang in languages:
            check_language(root, tools, tmp, pot, template, lang)
    print(f'1..{n}')
    return 1 if failed else 0


def check_language(root, tools, tmp, pot, template, lang):
    po = os.path.join(root, 'po', f'{lang}.po')
    if not os.path.isfile(po):
        not_ok(f'{lang}: po/{lang}.po exists')
        return
    entries = parse_po(po)
    missing, untranslated, fuzzy, plural = [], [], [], []
    for key, want in template.items():
        label = repr(key[1]) if key[0] is None else f'{key[0]!r} | {key[1]!r}'
        got = entries.get(key)
        if got is None:
            missing.append(label)
        elif got['fuzzy']:
            fuzzy.append(f'po/{lang}.po:{got["line"]}: {label}')
        elif want['msgid_plural'] != got['msgid_plural']:
            plural.append(f'po/{lang}.po:{got["line"]}: {label}: msgid_plural {got["msgid_plural"]!r}, '
                          f'the sources say {want["msgid_plural"]!r}')
        elif not got['msgstr'] or any(s == '' for s in got['msgstr']):
            untranslated.append(f'po/{lang}.po:{got["line"]}: {label}')
    hint = 'run: meson compile -C BUILD digit-lab-update-po, then translate (po/README.md)'
    check(not missing, f'{lang}: every message of the sources is in po/{lang}.po',
          [f'{len(missing)} missing; {hint}'] + missing[:20])
    check(not untranslated, f'{lang}: no message is untranslated', untranslated[:20])
    check(not fuzzy, f'{lang}: no message is fuzzy', fuzzy[:20])
    check(not plural, f'{lang}: plural messages match the sources', plural[:20])
    stale = [k[1] for k in entries if k[1] != '' and k not in template]
    if stale:
        print(f'# {lang}: {len(stale)} message(s) no longer in the sources (digit-lab-update-po marks them obsolete)')

    r = run([tools['msgfmt'], '--check', '--check-accelerators=_', '-o', os.devnull, po])
    check(r.returncode == 0, f'{lang}: msgfmt --check po/{lang}.po', r.stderr.strip().splitlines()[:20])
    # Today's template decides the flags (c-format ...): merged, then checked.
    merged = os.path.join(tmp, f'{lang}.po')
    r = run([tools['msgmerge'], '--quiet', '--no-fuzzy-matching', '-o', merged, po, pot])
    if r.returncode == 0:
        r = run([tools['msgfmt'], '--check', '--check-accelerators=_', '-o', os.devnull, merged])
    check(r.returncode == 0, f'{lang}: msgfmt --check on po/{lang}.po merged with the sources\' template',
          r.stderr.strip().splitlines()[:20])


if __name__ == '__main__':
    sys.exit(main())
