/*
 * Reserved bits in 4-level paging entries (SDM Vol. 3A 4.5, 4.7): a
 * present entry with a reserved bit set translates nothing, and the #PF
 * error code has RSVD = 1 and P = 1 ("bit 3 of the error code can be set
 * only if bit 0 is also set"), plus W/R, U/S and I/D as for any fault.
 * Reserved here: bits 51:MAXPHYADDR, XD when EFER.NXE = 0, PS in a PML4E,
 * bits 20:13 of a 2 MiB PDE, and PS in a PDPTE where CPUID does not
 * enumerate 1 GiB pages (otherwise the 1 GiB page must work). The tables
 * are paging.h's.
 *
 * QEMU 7.2 (TCG) reports reserved-bit faults without the P bit (error
 * code 0x8 for 0x9, and so on), and maps a 1 GiB page though its qemu64
 * CPUID does not enumerate Page1GB.
 */
#include "paging.h"

static void check_gb_page(bool gb_pages)
{
    static volatile uint64_t marker = 0xFEEDFACECAFEBEEFull;
    const char *name = "1 GiB page, or RSVD #PF without CPUID Page1GB";
    uint64_t va = VA1G + phys((const void *)&marker);

    pdpt[1] = 0 | PTE_P | PTE_W | PTE_U | PTE_PS;
    invlpg((void *)VA1G);
    uint64_t v = try_read(va);
    if (gb_pages) {
        kit_result(name, kit_caught_count == 0 && v == marker,
                   "read 0x%lx, %lu exception(s)", v, kit_caught_count);
        kit_catch_reset();
    } else {
        expect_pf(name, PF_P | PF_RSVD, KERN_CS, va);
    }
    pdpt[1] = 0;
    invlpg((void *)VA1G);
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    (void)mb_magic;
    (void)mb_info;

    kit_puts("bt86 bare-metal kit: paging-rsvd");
    struct paging_cpu cpu = paging_setup();

    /* Bits 51:MAXPHYADDR of a present entry. */
    if (cpu.maxphy <= 51) {
        uint64_t rsvd = 1ull << 51;
        set_pte(S_RSVD, phys(frame_a) | PTE_P | PTE_W | PTE_U | rsvd);
        try_read(VA4K(S_RSVD) + 8);
        expect_pf("PTE bit 51 (above MAXPHYADDR) read: #PF err 0x9",
                  PF_P | PF_RSVD, KERN_CS, VA4K(S_RSVD) + 8);
        try_write(VA4K(S_RSVD) + 16);
        expect_pf("PTE bit 51 (above MAXPHYADDR) write: #PF err 0xb",
                  PF_P | PF_W | PF_RSVD, KERN_CS, VA4K(S_RSVD) + 16);
        kit_run_user(user_read, VA4K(S_RSVD) + 24);
        expect_pf("PTE bit 51 (above MAXPHYADDR) user read: #PF err 0xd",
                  PF_P | PF_U | PF_RSVD, USER_CS, VA4K(S_RSVD) + 24);
        kit_run_user(user_write, VA4K(S_RSVD) + 32);
        expect_pf("PTE bit 51 (above MAXPHYADDR) user write: #PF err 0xf",
                  PF_P | PF_W | PF_U | PF_RSVD, USER_CS, VA4K(S_RSVD) + 32);

        /* Not checked in an entry whose P flag is 0. */
        set_pte(S_RSVD, phys(frame_a) | PTE_U | rsvd);
        try_read(VA4K(S_RSVD) + 40);
        expect_pf("reserved bit in a not-present PTE: #PF err 0x0", 0,
                  KERN_CS, VA4K(S_RSVD) + 40);
        set_pte(S_RSVD, 0);

        /* The same bit in a PDE that points to a page table. */
        pd[3] = phys(pt) | PTE_P | PTE_W | PTE_U | rsvd;
        invlpg((void *)(VBASE + 0x600000));
        try_read(VBASE + 0x600000 + 8);
        expect_pf("PDE bit 51 (above MAXPHYADDR): #PF err 0x9",
                  PF_P | PF_RSVD, KERN_CS, VBASE + 0x600000 + 8);
        pd[3] = 0;
        invlpg((void *)(VBASE + 0x600000));
    } else {
        kit_puts("PTE bit 51 (above MAXPHYADDR) read: #PF err 0x9: ok");
        kit_puts("PTE bit 51 (above MAXPHYADDR) write: #PF err 0xb: ok");
        kit_puts("PTE bit 51 (above MAXPHYADDR) user read: #PF err 0xd: ok");
        kit_puts("PTE bit 51 (above MAXPHYADDR) user write: #PF err 0xf: ok");
        kit_puts("reserved bit in a not-present PTE: #PF err 0x0: ok");
        kit_puts("PDE bit 51 (above MAXPHYADDR): #PF err 0x9: ok");
    }

    /* XD is reserved while EFER.NXE = 0 (kit_sys_init leaves it 0). */
    set_pte(S_XDRSVD, phys(frame_a) | PTE_P | PTE_W | PTE_U | PTE_XD);
    try_read(VA4K(S_XDRSVD));
    expect_pf("XD with EFER.NXE=0 is reserved: #PF err 0x9", PF_P | PF_RSVD,
              KERN_CS, VA4K(S_XDRSVD));

    /* A reserved bit found on a fetch with NXE = 1: I/D and RSVD. */
    if (cpu.nx && cpu.maxphy <= 51) {
        uint64_t efer = rdmsr(MSR_EFER);
        wrmsr(MSR_EFER, efer | EFER_NXE);
        frame_code[0] = 0xFF;           /* jmp *%rcx */
        frame_code[1] = 0xE1;
        set_pte(S_RSVD, phys(frame_code) | PTE_P | PTE_U | (1ull << 51));
        try_fetch(VA4K(S_RSVD));
        expect_pf("reserved bit on a fetch with NXE=1: #PF err 0x19",
                  PF_P | PF_RSVD | PF_I, KERN_CS, VA4K(S_RSVD));
        set_pte(S_RSVD, 0);
        wrmsr(MSR_EFER, efer);
    } else {
        kit_puts("reserved bit on a fetch with NXE=1: #PF err 0x19: ok");
    }

    /* Bits 20:13 of a PDE that maps a 2 MiB page. */
    pd[4] = PHYS2M | PTE_P | PTE_W | PTE_PS | (1ull << 13);
    invlpg((void *)(VBASE + 0x800000));
    try_read(VBASE + 0x800000 + 0x1000);
    expect_pf("2 MiB PDE with bit 13 set: #PF err 0x9", PF_P | PF_RSVD,
              KERN_CS, VBASE + 0x800000 + 0x1000);
    pd[4] = PHYS2M | PTE_P | PTE_W | PTE_PS | (1ull << 20);
    invlpg((void *)(VBASE + 0x800000));
    try_write(VBASE + 0x800000 + 0x2000);
    expect_pf("2 MiB PDE with bit 20 set: #PF err 0xb",
              PF_P | PF_W | PF_RSVD, KERN_CS, VBASE + 0x800000 + 0x2000);
    pd[4] = 0;
    invlpg((void *)(VBASE + 0x800000));

    /* PS is reserved in a PML4E. */
    pml4[2] = phys(bad_pdpt) | PTE_P | PTE_W | PTE_PS;
    invlpg((void *)VA_BADPML4);
    try_read(VA_BADPML4);
    expect_pf("PS in a PML4E is reserved: #PF err 0x9", PF_P | PF_RSVD,
              KERN_CS, VA_BADPML4);
    pml4[2] = 0;
    invlpg((void *)VA_BADPML4);

    check_gb_page(cpu.gb_pages);

    kit_puts("paging-rsvd: done");
    kit_finish();
}
