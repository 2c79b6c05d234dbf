"""check_tarball.py TARBALL: the release tarball Galaxy gets is at most 20 MB and holds exactly the
module binary of each supported platform (executable, of the right OS and CPU, matching SHA256SUMS),
the docs and action plugin of every module, and no Go sources or per-module binaries."""
import hashlib
import os
import struct
import sys
import tarfile

LIMIT = 20 * 1000 * 1000  # Galaxy refuses artifacts over 20 MB
# GOOS/GOARCH -> (format, machine): ELF e_machine, Mach-O cputype
PLATFORMS = {
    'linux-amd64': ('elf', 0x3E), 'linux-arm64': ('elf', 0xB7),
    'darwin-amd64': ('macho', 0x01000007), 'darwin-arm64': ('macho', 0x0100000C),
}

path = sys.argv[1]
size = os.path.getsize(path)
assert size <= LIMIT, f'{path} is {size} bytes, over the 20 MB Galaxy accepts'
with tarfile.open(path) as tar:
    members = {m.name: m for m in tar.getmembers()}
    bins = sorted(n for n in members if n.startswith('bin/'))
    want = sorted(['bin/SHA256SUMS'] + ['bin/litellm_vk-' + p for p in PLATFORMS])
    assert bins == want, f'bin/ holds {bins}, want {want} (make dist builds every platform)'
    sums = {}
    for line in tar.extractfile('bin/SHA256SUMS').read().decode().splitlines():
        digest, name = line.split()
        sums[name] = digest
    report = []
    for plat, (fmt, machine) in PLATFORMS.items():
        m = members['bin/litellm_vk-' + plat]
        assert m.mode & 0o111 == 0o111, f'{m.name} is not executable (mode {m.mode:o})'
        data = tar.extractfile(m).read()
        if fmt == 'elf':
            assert data[:4] == b'\x7fELF', f'{m.name} is not an ELF binary'
            got = struct.unpack_from('<H', data, 18)[0]
        else:
            assert data[:4] == b'\xcf\xfa\xed\xfe', f'{m.name} is not a 64-bit Mach-O binary'
            got = struct.unpack_from('<I', data, 4)[0]
        assert got == machine, f'{m.name} is built for machine {got:#x}, want {machine:#x}'
        assert hashlib.sha256(data).hexdigest() == sums.get(m.name[4:]), f'{m.name} does not match SHA256SUMS'
        report.append(f'{plat} {len(data) / 1e6:.1f} MB')
    assert not [n for n in members if n.endswith('.go')], 'Go sources were packed'
    docs = sorted(n[len('plugins/modules/'):-4] for n in members if n.startswith('plugins/modules/') and n.endswith('.yml'))
    assert docs, 'no module docs in the tarball'
    for mod in docs:
        for f in (f'plugins/modules/{mod}.sh', f'plugins/action/{mod}.py'):
            assert f in members, f'module {mod} lacks {f}'
    odd = [n for n in members if n.startswith('plugins/modules/') and members[n].isfile() and '.' not in os.path.basename(n)]
    assert not odd, f'per-module binaries in plugins/modules/: {odd}'
    for f in ('MANIFEST.json', 'FILES.json', 'plugins/plugin_utils/gomodule.py'):
        assert f in members, f'{f} missing'
print(f'tarball {size / 1e6:.1f} MB (limit 20 MB): ' + ', '.join(report) + f'; modules: {", ".join(docs)}')
