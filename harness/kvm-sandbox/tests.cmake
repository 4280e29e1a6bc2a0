# SPDX-License-Identifier: Apache-2.0
# Boot tests inside the KVM sandbox (label boot): one sandbox boot for the
# suite, one ctest result per command.

# The bare runner on the host's /dev/kvm too (SKIP without one).
add_test(NAME boot.kvm-host.bare-runner COMMAND kvm-bare-runner)
set_tests_properties(boot.kvm-host.bare-runner PROPERTIES
  LABELS "boot;harness" TIMEOUT 60 SKIP_RETURN_CODE 77)

# The probe guest on the bare KVM floor, on the host's /dev/kvm (SKIP
# without): every entry point the probe has, 2 vCPUs, hostile I/O, and the
# two abnormal ends.
set(bare $<TARGET_FILE:kvm-bare-boot>)
cvmm_probe_test(NAME boot.probe.bare-kvm.pvh RUNNER ${bare} IMAGE elf
                ENTRY pvh VCPUS 2 INITRD TIMEOUT 300)
cvmm_probe_test(NAME boot.probe.bare-kvm.bz64 RUNNER ${bare} IMAGE bzimage
                ENTRY bz64 VCPUS 2 INITRD TIMEOUT 300
                CMDLINE "probe.hostile_ports=1000 probe.hostile_mmio=300")
cvmm_probe_test(NAME boot.probe.bare-kvm.bz32 RUNNER ${bare} IMAGE bzimage
                ENTRY bz32 RUNNER_ARGS --bz-entry 32 TIMEOUT 300)
cvmm_probe_test(NAME boot.probe.bare-kvm.triple-fault RUNNER ${bare}
                IMAGE bzimage CMDLINE "probe.triple_fault=1"
                EXPECT_STATUS 2 EXPECT_END triple-fault TIMEOUT 300)
cvmm_probe_test(NAME boot.probe.bare-kvm.hang RUNNER ${bare}
                RUNNER_ARGS --boot-timeout 5 CMDLINE "probe.hang=spin"
                EXPECT_STATUS 124 EXPECT_END hang TIMEOUT 300)

cvmm_sandbox_suite(NAME kvm VCPUS 2 MEM 2048)
# A real KVM inside: VM, vCPU, memory slot, real-mode code, I/O exits.
cvmm_sandbox_test(SUITE kvm NAME boot.sandbox.bare-runner TIMEOUT 60
                  COMMAND $<TARGET_FILE:kvm-bare-runner>)
# The probe on the bare KVM floor inside: the 64-bit bzImage entry and PVH.
cvmm_sandbox_probe_test(SUITE kvm NAME boot.sandbox.bare-boot.bz64
                        RUNNER $<TARGET_FILE:kvm-bare-boot> IMAGE bzimage
                        ENTRY bz64 VCPUS 2 INITRD)
cvmm_sandbox_probe_test(SUITE kvm NAME boot.sandbox.bare-boot.pvh
                        RUNNER $<TARGET_FILE:kvm-bare-boot> IMAGE elf
                        ENTRY pvh VCPUS 2
                        CMDLINE "probe.hostile_ports=1000 probe.hostile_mmio=300")
# The probe guest under QEMU with KVM inside the sandbox: the PVH ELF on
# microvm with 2 vCPUs, the bzImage on q35 with an initrd and hostile I/O.
cvmm_sandbox_probe_test(SUITE kvm NAME boot.sandbox.probe.pvh-2cpu
                        IMAGE elf ENTRY pvh VCPUS 2
                        CMDLINE "probe.memmap=sanitize probe.acpi=1")
cvmm_sandbox_probe_test(SUITE kvm NAME boot.sandbox.probe.bzimage-q35
                        RUNNER ${CVMM_PROBE_QEMU} --accel kvm --machine q35
                        IMAGE bzimage ENTRY bz16 INITRD
                        CMDLINE "probe.hostile_ports=1000 probe.hostile_mmio=300")
