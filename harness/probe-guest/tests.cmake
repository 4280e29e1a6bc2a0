# SPDX-License-Identifier: Apache-2.0
# Boot tests of the probe guest under QEMU (label boot). The same
# cvmm_probe_test() lines with the reference VMM as RUNNER give its tests;
# harness/kvm-sandbox runs them inside the sandbox.

# linux-loader must accept both images: the bzImage with a 64-bit entry
# and the ELF payload, the ELF with its PVH note (host test).
# (Not in trees without linux-loader, such as the gate's fixture tree.)
if("linux-loader" IN_LIST CVMM_COMPONENTS)
  add_executable(test-probe-images test_probe_images.c)
  cvmm_target_defaults(test-probe-images)
  target_link_libraries(test-probe-images PRIVATE cvmm::linux-loader)
  add_dependencies(test-probe-images probe-guest)
  add_test(NAME harness.probe-guest.images
           COMMAND test-probe-images ${CVMM_PROBE_ELF} ${CVMM_PROBE_BZIMAGE})
  set_tests_properties(harness.probe-guest.images PROPERTIES
    LABELS "boot;harness" TIMEOUT 60)
endif()

# probe-check's verdicts on canned outputs (no guest needed).
add_test(NAME harness.probe-check.selftest
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/probe-check-selftest)
set_tests_properties(harness.probe-check.selftest PROPERTIES
  LABELS "harness" TIMEOUT 60)

# QEMU in software mode: works on any x86-64 machine with QEMU (SKIP
# without). microvm's firmware (qboot) hands over memory maps that need
# probe.memmap=sanitize; SeaBIOS (pc, q35) hands over clean ones.
set(tcg ${CVMM_PROBE_QEMU} --accel tcg)
set(sanitize "probe.memmap=sanitize")
cvmm_probe_test(NAME boot.probe.qemu.pvh-microvm RUNNER ${tcg}
                IMAGE elf ENTRY pvh CMDLINE ${sanitize})
cvmm_probe_test(NAME boot.probe.qemu.pvh-q35 RUNNER ${tcg} --machine q35
                IMAGE elf ENTRY pvh VCPUS 2 INITRD
                CMDLINE "probe.acpi=1 token=pvh-q35"
                GREP "^# cmdline: .* token=pvh-q35$")
cvmm_probe_test(NAME boot.probe.qemu.bzimage-pc RUNNER ${tcg} --machine pc
                IMAGE bzimage ENTRY bz16 VCPUS 2 INITRD
                CMDLINE "probe.acpi=1")
cvmm_probe_test(NAME boot.probe.qemu.bzimage-microvm RUNNER ${tcg}
                IMAGE bzimage ENTRY bz16 INITRD CMDLINE ${sanitize})
cvmm_probe_test(NAME boot.probe.qemu.smp4 RUNNER ${tcg} --machine q35
                VCPUS 4 MEM 256)
# A CPU template: what QEMU masks (-cpu max,-feature) the probe must not
# see, and what it keeps must still be there.
cvmm_probe_test(NAME boot.probe.qemu.cpu-template RUNNER ${tcg}
                --cpu max,-avx2,-sse4_2,-rdrand
                CMDLINE "${sanitize} probe.expect_masked=avx2,sse4_2,rdrand probe.expect_present=avx,sse4_1,popcnt,lm,nx")
cvmm_probe_test(NAME boot.probe.qemu.triple-fault RUNNER ${tcg} --machine q35
                CMDLINE "probe.triple_fault=1" EXPECT_END triple-fault)
# The ACPI power-off path on QEMU's tables: microvm's FADT names its
# generic event device's sleep registers in system memory (the reference
# VMM's are ports); QEMU exits 0 on a power-off.
cvmm_probe_test(NAME boot.probe.qemu.poweroff-microvm RUNNER ${tcg}
                CMDLINE "${sanitize} probe.poweroff=1" EXPECT_END poweroff
                GREP "^ok [0-9]+ - acpi power-off: XSDT -> FADT sleep control address 0x")
cvmm_probe_test(NAME boot.probe.qemu.hang RUNNER ${tcg} --boot-timeout 5
                CMDLINE "${sanitize} probe.hang=spin" EXPECT_STATUS 124
                EXPECT_END hang)
cvmm_probe_test(NAME boot.probe.qemu.hostile-io RUNNER ${tcg}
                VCPUS 2 CMDLINE "${sanitize} probe.hostile_ports=4000 probe.hostile_mmio=1000 probe.seed=7")

# The host's /dev/kvm (it emulates every instruction; the probe is small
# enough). SKIP without a usable /dev/kvm.
set(kvm ${CVMM_PROBE_QEMU} --accel kvm)
cvmm_probe_test(NAME boot.probe.qemu-kvm.pvh-q35 RUNNER ${kvm} --machine q35
                IMAGE elf ENTRY pvh VCPUS 2 INITRD TIMEOUT 300)
cvmm_probe_test(NAME boot.probe.qemu-kvm.bzimage-microvm RUNNER ${kvm}
                IMAGE bzimage ENTRY bz16 TIMEOUT 300
                CMDLINE "${sanitize} probe.hostile_ports=500 probe.hostile_mmio=200")

# The probe's virtio driver against QEMU's own virtio-mmio devices (an
# implementation independent of ours), found through microvm's DSDT: rng,
# block (the probe's initrd file as the disk, snapshot=on so the file is
# not written) and console. Modern (version 2) transports only.
set(vdisk ${CVMM_PROBE_INITRD})
cvmm_probe_test(NAME boot.probe.qemu.virtio-microvm RUNNER ${tcg}
                CMDLINE "${sanitize} probe.virtio=1"
                RUNNER_ARGS -- -global virtio-mmio.force-legacy=false
                  -device virtio-rng-device
                  -drive file=${vdisk},format=raw,if=none,id=d0,snapshot=on
                  -device virtio-blk-device,drive=d0,serial=probe-disk
                  -chardev null,id=c0 -device virtio-serial-device
                  -device virtconsole,chardev=c0
                GREP "^ok [0-9]+ - virtio: RSDP, XSDT, FADT and DSDT checksums; 3 LNRO0005 devices"
                     "^ok [0-9]+ - virtio rng@0x[0-9a-f]+: two reads of 64 bytes: 64 and 64 bytes written"
                     "^ok [0-9]+ - virtio block@0x[0-9a-f]+: sector 0 reads \"CVMMPROBEINITRD1\""
                     "^ok [0-9]+ - virtio block@0x[0-9a-f]+: sectors 8..15 read back as written"
                     "^ok [0-9]+ - virtio block@0x[0-9a-f]+: GET_ID \"probe-disk\""
                     "^ok [0-9]+ - virtio console@0x[0-9a-f]+: \"CVMM-PROBE-VCONSOLE hello")
