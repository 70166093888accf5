#!/usr/bin/env python3
"""The Flatpak manifest and the AppStream metainfo, checked offline (TAP).

usage: check-packaging.py SOURCE_ROOT MERGED_METAINFO

flatpak-builder cannot run here (the GNOME runtime is a download), so this
checks what can be checked without it:

Manifest (flatpak/io.github.digitlab.DigitLab.json):
  - it parses as JSON; its id and command are the application's;
  - its permissions are exactly what the features need: a display
    (Wayland, X11 as a fallback, IPC, the GPU for GTK's renderer) and the
    network (Get Datasets); no file system access, since every file chooser
    goes through GtkFileChooserNative (the portal in a sandbox), which the
    sources are checked for;
  - every module has a name, a known buildsystem and sources; archives have
    an https URL and a SHA-256, directories exist and hold meson.build;
  - the application's config-opts are options of meson_options.txt with
    values of their type, and they are the options README's Flatpak section
    gives.

Metainfo (the build's merged copy, translations included):
  - the launchable is the desktop entry in resources/;
  - every screenshot is a file of the tree at the project's URL pattern,
    with a translated caption; one is the default;
  - releases have a version (the project's, first), a date and notes;
  - an OARS content rating; light and dark branding colours;
  - the summary and every paragraph and list item of the description have a
    Simplified Chinese translation.

Standard library only.
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

APP_ID = 'io.github.digitlab.DigitLab'
SCREENSHOT_URL = 'https://raw.githubusercontent.com/digitlab/digit-lab/main/'
# What the features need, and nothing else.
FINISH_ARGS = {'--share=ipc', '--socket=fallback-x11', '--socket=wayland', '--device=dri', '--share=network'}
BUILDSYSTEMS = {'meson', 'simple', 'cmake', 'cmake-ninja', 'autotools', 'qmake'}
LANG = '{http://www.w3.org/XML/1998/namespace}lang'

count = 0
failed = 0


def check(ok, what):
    global count, failed
    count += 1
    if not ok:
        failed += 1
    print(('ok' if ok else 'not ok') + ' %d - %s' % (count, what), flush=True)


def meson_options(root):
    """{name: (type, choices)} from meson_options.txt."""
    text = open(os.path.join(root, 'meson_options.txt'), encoding='utf-8').read()
    options = {}
    for m in re.finditer(r"option\(\s*'([^']+)'\s*,\s*type\s*:\s*'([^']+)'(.*?)\)\s*$", text, re.S | re.M):
        choices = re.search(r"choices\s*:\s*\[([^\]]*)\]", m.group(3))
        options[m.group(1)] = (m.group(2), re.findall(r"'([^']*)'", choices.group(1)) if choices else None)
    return options


def valid_value(kind, choices, value):
    if kind == 'feature':
        return value in ('enabled', 'disabled', 'auto')
    if kind == 'boolean':
        return value in ('true', 'false')
    if kind == 'combo':
        return value in (choices or [])
    if kind == 'integer':
        return re.fullmatch(r'-?\d+', value) is not None
    return True


def check_manifest(root):
    path = os.path.join(root, 'flatpak', APP_ID + '.json')
    try:
        manifest = json.load(open(path, encoding='utf-8'))
    except (OSError, ValueError) as e:
        check(False, 'the manifest parses as JSON: %s' % e)
        return
    check(True, 'the manifest parses as JSON')
    check(manifest.get('id') == APP_ID and manifest.get('command') == 'digit-lab',
          'its id is %s and its command digit-lab (%s, %s)' % (APP_ID, manifest.get('id'), manifest.get('command')))

    args = set(a for a in manifest.get('finish-args', []) if not a.startswith('--env='))
    env = set(a for a in manifest.get('finish-args', []) if a.startswith('--env='))
    check(env == {'--env=OPENBLAS_NUM_THREADS=1'},
          "its environment keeps OpenBLAS's own threads from starting (Digit Lab runs its products on its "
          "own threads; README, time to 99%%): %s" % (sorted(env) or 'none'))
    check(args == FINISH_ARGS,
          'its permissions are a display, the GPU and the network, nothing more (missing: %s; extra: %s)'
          % (sorted(FINISH_ARGS - args) or 'none', sorted(args - FINISH_ARGS) or 'none'))
    src = os.path.join(root, 'src')
    dialogs = [f for f in sorted(os.listdir(src)) if f.endswith('.c') and re.search(
        r'gtk_file_chooser_dialog_new|GTK_TYPE_FILE_CHOOSER_DIALOG|gtk_file_chooser_widget_new',
        open(os.path.join(src, f), encoding='utf-8').read())]
    natives = [f for f in sorted(os.listdir(src)) if f.endswith('.c') and
               'gtk_file_chooser_native_new' in open(os.path.join(src, f), encoding='utf-8').read()]
    check(not dialogs and natives,
          'files come through portals: the file choosers are GtkFileChooserNative (%s), none in-process (%s)'
          % (', '.join(natives), ', '.join(dialogs) or 'none'))

    modules = manifest.get('modules', [])
    manifest_dir = os.path.dirname(path)
    problems = []
    app = None
    for module in modules:
        name = module.get('name') if isinstance(module, dict) else None
        if not name or module.get('buildsystem') not in BUILDSYSTEMS or not module.get('sources'):
            problems.append('%s: name, buildsystem or sources missing' % (name or module))
            continue
        for source in module['sources']:
            kind = source.get('type')
            if kind in ('archive', 'file'):
                if not str(source.get('url', '')).startswith('https://') or \
                        not re.fullmatch(r'[0-9a-f]{64}', source.get('sha256', '')):
                    problems.append('%s: %s source without an https URL and a SHA-256' % (name, kind))
            elif kind == 'dir':
                where = os.path.normpath(os.path.join(manifest_dir, source.get('path', '')))
                if not os.path.isfile(os.path.join(where, 'meson.build')):
                    problems.append('%s: directory %s holds no meson.build' % (name, where))
                elif module['buildsystem'] == 'meson' and \
                        os.path.samefile(where, root):
                    app = module
            else:
                problems.append('%s: source type %s' % (name, kind))
    check(modules and not problems,
          'its %d modules have names, buildsystems and sources that exist (%s)'
          % (len(modules), '; '.join(problems) or 'all fine'))

    check(app is not None, 'a meson module builds this source tree')
    if app is None:
        return
    options = meson_options(root)
    opts = app.get('config-opts', [])
    bad = []
    for opt in opts:
        m = re.fullmatch(r'-D([A-Za-z0-9_]+)=(.*)', opt)
        if not m or m.group(1) not in options or not valid_value(*options[m.group(1)], m.group(2)):
            bad.append(opt)
    check(opts and not bad, 'its config-opts %s are options of meson_options.txt with valid values (bad: %s)'
          % (' '.join(opts), ' '.join(bad) or 'none'))
    readme = open(os.path.join(root, 'README.md'), encoding='utf-8').read()
    section = re.search(r'^## Flatpak\n(.*?)(?=^## |\Z)', readme, re.S | re.M)
    command = re.search(r'meson setup build ([^`\n]*)', section.group(1)) if section else None
    readme_opts = command.group(1).split() if command else []
    check(readme_opts == opts, "README's Flatpak section builds with the manifest's options (README: %s; manifest: %s)"
          % (' '.join(readme_opts) or 'none', ' '.join(opts)))


def text_of(element):
    return ''.join(element.itertext()).strip()


def check_metainfo(root, metainfo):
    try:
        tree = ET.parse(metainfo).getroot()
    except (OSError, ET.ParseError) as e:
        check(False, 'the merged metainfo parses: %s' % e)
        return
    launchable = tree.find('launchable')
    check(launchable is not None and launchable.get('type') == 'desktop-id' and
          launchable.text == APP_ID + '.desktop' and
          os.path.isfile(os.path.join(root, 'resources', APP_ID + '.desktop.in')),
          'the launchable is the desktop entry %s.desktop' % APP_ID)

    shots = tree.findall('screenshots/screenshot')
    missing = []
    for shot in shots:
        url = (shot.findtext('image') or '').strip()
        if not url.startswith(SCREENSHOT_URL) or not os.path.isfile(os.path.join(root, url[len(SCREENSHOT_URL):])):
            missing.append(url)
        if not any(c.get(LANG) == 'zh_CN' for c in shot.findall('caption')):
            missing.append('caption of %s untranslated' % url)
    check(len(shots) >= 3 and not missing and sum(s.get('type') == 'default' for s in shots) == 1,
          'its %d screenshots are files of the tree at %s…, with translated captions, one the default (%s)'
          % (len(shots), SCREENSHOT_URL, '; '.join(missing) or 'all there'))

    releases = tree.findall('releases/release')
    version = re.search(r"version:\s*'([^']+)'", open(os.path.join(root, 'meson.build'), encoding='utf-8').read())
    notes = all(re.fullmatch(r'\d{4}-\d{2}-\d{2}', r.get('date', '')) and r.find('description') is not None and
                text_of(r.find('description')) for r in releases)
    check(releases and notes and version and releases[0].get('version') == version.group(1),
          'releases have a date and notes; the first is the project version %s (%s)'
          % (version.group(1) if version else '?', releases[0].get('version') if releases else 'none'))

    rating = tree.find('content_rating')
    check(rating is not None and rating.get('type') == 'oars-1.1', 'an OARS 1.1 content rating')
    colours = {c.get('scheme_preference'): c.text for c in tree.findall('branding/color')
               if c.get('type') == 'primary'}
    check(set(colours) == {'light', 'dark'} and all(re.fullmatch(r'#[0-9a-fA-F]{6}', v or '') for v in colours.values()),
          'primary branding colours for the light and the dark style (%s)' % colours)

    if not any(e.get(LANG) for e in tree.iter()):
        print('ok %d - the translations # SKIP none merged (the build found no msgfmt)' % (count + 1))
        globals()['count'] += 1
        return
    untranslated = []
    for tag in ('name', 'summary'):
        if not any(e.get(LANG) == 'zh_CN' for e in tree.findall(tag)):
            untranslated.append(tag)
    for parent in tree.iter():
        children = list(parent)
        for i, child in enumerate(children):
            if child.tag in ('p', 'li') and child.get(LANG) is None:
                following = children[i + 1] if i + 1 < len(children) else None
                if following is None or following.tag != child.tag or following.get(LANG) != 'zh_CN':
                    untranslated.append(text_of(child)[:40])
    check(not untranslated, 'the name, summary, description and release notes are translated into zh_CN '
          '(untranslated: %s)' % ('; '.join(untranslated) or 'none'))


def main():
    if len(sys.argv) != 3:
        print('usage: check-packaging.py SOURCE_ROOT MERGED_METAINFO', file=sys.stderr)
        return 2
    root, metainfo = sys.argv[1], sys.argv[2]
    check_manifest(root)
    check_metainfo(root, metainfo)
    print('1..%d' % count)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
