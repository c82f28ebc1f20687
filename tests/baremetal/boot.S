/*
 * Multiboot (v1) entry for the bare-metal test kit.
 *
 * The loader enters _start in 32-bit flat protected mode with paging off,
 * EAX = 0x2BADB002 and EBX = the physical address of the multiboot info.
 * This stub switches to 64-bit long mode with the first 1 GiB identity
 * mapped, installs an IDT for all 256 vectors, and calls
 * kit_start(magic, info) in kit.c, which never returns.
 */

#define MB_HEADER_MAGIC     0x1BADB002
#define MB_FLAG_PAGE_ALIGN  (1 << 0)    /* modules on 4 KiB boundaries */
#define MB_FLAG_MEMINFO     (1 << 1)    /* we want mem_lower/mem_upper */
#define MB_HEADER_FLAGS     (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMINFO)

#define KIT_CS64            0x08
#define KIT_DS              0x10
#define KIT_CS32            0x18

#define CR0_PE              (1 << 0)
#define CR0_PG              (1 << 31)
#define CR4_PAE             (1 << 5)
#define MSR_EFER            0xC0000080
#define EFER_LME            (1 << 8)

#define PTE_P               (1 << 0)
#define PTE_W               (1 << 1)
#define PTE_PS              (1 << 7)    /* 2 MiB page in a PD entry */

#define KIT_STACK_SIZE      (64 * 1024)
#define KIT_NUM_VECTORS     256
#define KIT_STUB_SIZE       16          /* bytes per exception stub */

/* The linker script puts this first, well inside the 8 KiB the loader scans. */
    .section .multiboot, "a"
    .balign 4
    .long MB_HEADER_MAGIC
    .long MB_HEADER_FLAGS
    .long -(MB_HEADER_MAGIC + MB_HEADER_FLAGS)

    .text
    .code32
    .globl _start
    .type _start, @function
_start:
    cli
    cld
    /* EBP and EBX are not touched until kit_start gets them. */
    movl %eax, %ebp

    /*
     * Zero .bss ourselves rather than trust every loader to clear the
     * ELF's memsz beyond filesz. A plain loop, not rep stos, to keep the
     * instructions the emulator needs this early to a minimum.
     */
    movl $__bss_start, %edi
    movl $__bss_end, %ecx
1:  cmpl %ecx, %edi
    jae 2f
    movl $0, (%edi)
    addl $4, %edi
    jmp 1b
2:
    /* The loader's GDT may be gone (multiboot spec 3.2): use our own. */
    lgdt kit_gdt_desc
    ljmp $KIT_CS32, $3f
3:  movl $KIT_DS, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %fs
    movl %eax, %gs
    movl %eax, %ss
    movl $kit_stack_top, %esp

    /* PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] -> 2 MiB page at i * 2 MiB. */
    movl $kit_pdpt, %eax
    orl $(PTE_P | PTE_W), %eax
    movl %eax, kit_pml4
    movl $kit_pd, %eax
    orl $(PTE_P | PTE_W), %eax
    movl %eax, kit_pdpt
    movl $kit_pd, %edi
    movl $(PTE_P | PTE_W | PTE_PS), %eax
    movl $512, %ecx
4:  movl %eax, (%edi)
    movl $0, 4(%edi)
    addl $0x200000, %eax
    addl $8, %edi
    decl %ecx
    jnz 4b

    /* SDM Vol. 3A 10.8.5: PAE, then CR3, then EFER.LME, then CR0.PG. */
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $kit_pml4, %eax
    movl %eax, %cr3
    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    wrmsr
    movl %cr0, %eax
    orl $(CR0_PG | CR0_PE), %eax
    movl %eax, %cr0
    /* Now in compatibility mode; a far jump to a CS with L=1 enters 64-bit. */
    ljmp $KIT_CS64, $kit_long_mode
    .size _start, . - _start

    .code64
kit_long_mode:
    movl $KIT_DS, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %fs
    movl %eax, %gs
    movl %eax, %ss
    /* The upper halves of the GPRs are undefined after the mode switch. */
    movq $kit_stack_top, %rsp

    /*
     * Fill the IDT at run time: a gate splits the handler address into
     * three fields, which the linker cannot compute for us.
     */
    movq $kit_idt, %rdi
    movq $kit_exception_stubs, %rsi
    movl $KIT_NUM_VECTORS, %ecx
5:  movq %rsi, %rax
    movw %ax, 0(%rdi)               /* offset 15:0 */
    movw $KIT_CS64, 2(%rdi)
    movw $0x8E00, 4(%rdi)           /* P, DPL 0, interrupt gate, IST 0 */
    shrq $16, %rax
    movw %ax, 6(%rdi)               /* offset 31:16 */
    shrq $16, %rax
    movl %eax, 8(%rdi)              /* offset 63:32 */
    movl $0, 12(%rdi)
    addq $KIT_STUB_SIZE, %rsi
    addq $16, %rdi
    decl %ecx
    jnz 5b
    lidt kit_idt_desc

    movl %ebp, %edi                 /* 32-bit moves zero-extend */
    movl %ebx, %esi
    call kit_start
6:  cli
    hlt
    jmp 6b

/*
 * One stub per vector, each KIT_STUB_SIZE bytes so the IDT loop can step
 * through them. Vectors without a CPU-pushed error code push a zero so that
 * every frame has the layout of struct kit_frame. Vectors 32-255 (INT n,
 * external interrupts) never get an error code from the CPU.
 */
    .balign KIT_STUB_SIZE
kit_exception_stubs:
    .set kit_vec, 0
    .rept KIT_NUM_VECTORS
    .balign KIT_STUB_SIZE
    /* SDM Vol. 3A table 6-1: the vectors that push an error code. */
    .if !(kit_vec == 8 || (kit_vec >= 10 && kit_vec <= 14) || kit_vec == 17 \
          || kit_vec == 21 || kit_vec == 29 || kit_vec == 30)
    pushq $0
    .endif
    pushq $kit_vec
    jmp kit_exception_common
    .set kit_vec, kit_vec + 1
    .endr

kit_exception_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, %rdi                 /* struct kit_frame * */
    movq %rsp, %rbx                 /* callee-saved: survives the call */
    andq $-16, %rsp                 /* ABI alignment, whatever the fault left */
    call kit_exception
    /* A registered handler returned: resume at the frame's (maybe new) RIP. */
    movq %rbx, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp                  /* vector and error code */
    iretq

    .section .rodata
    /*
     * Accessed bits preset, so loading a selector never makes the CPU
     * write to this table.
     */
    .balign 8
kit_gdt:
    .quad 0                         /* null */
    .quad 0x00AF9B000000FFFF        /* 0x08: 64-bit code, DPL 0 */
    .quad 0x00CF93000000FFFF        /* 0x10: flat 4 GiB data, DPL 0 */
    .quad 0x00CF9B000000FFFF        /* 0x18: flat 4 GiB 32-bit code, DPL 0 */
kit_gdt_end:

    /* A quad base serves the 32-bit lgdt (reads 6 bytes) and a 64-bit one. */
    .balign 8
    .word 0
kit_gdt_desc:
    .word kit_gdt_end - kit_gdt - 1
    .quad kit_gdt

    .balign 8
    .word 0
kit_idt_desc:
    .word KIT_NUM_VECTORS * 16 - 1
    .quad kit_idt

    .bss
    .balign 4096
kit_pml4:
    .skip 4096
kit_pdpt:
    .skip 4096
kit_pd:
    .skip 4096
    .balign 16
    .globl kit_idt
kit_idt:
    .skip KIT_NUM_VECTORS * 16
    .balign 16
kit_stack:
    .skip KIT_STACK_SIZE
kit_stack_top:

    .section .note.GNU-stack, "", @progbits
