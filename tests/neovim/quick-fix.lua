-- Driven by tests/neovim.rs in a headless Neovim: the README's set-up
-- (editors/nvim/lessons.lua), a post-mortem opened, its diagnostics awaited, the quick fix
-- of one applied, and what was seen written to $LESSONS_E2E_OUT.
local repo = vim.env.LESSONS_E2E_REPO
local out = {}
local function say(line)
  table.insert(out, line)
end
local function finish()
  vim.fn.writefile(out, vim.env.LESSONS_E2E_OUT)
  vim.cmd('qa!')
end

package.path = repo .. '/editors/nvim/?.lua;' .. package.path
require('lessons').setup({
  cmd = { vim.env.LESSONS_E2E_BIN, 'server', '--as-of', '2026-12-01' },
})

vim.cmd('edit ' .. vim.fn.fnameescape(vim.env.LESSONS_E2E_FILE))

local function code_of(diagnostic)
  if diagnostic.code then
    return diagnostic.code
  end
  local lsp = diagnostic.user_data and diagnostic.user_data.lsp
  return lsp and lsp.code or ''
end

local function codes()
  local seen = {}
  for _, diagnostic in ipairs(vim.diagnostic.get(0)) do
    table.insert(seen, code_of(diagnostic))
  end
  table.sort(seen)
  return seen
end

local function find(code)
  for _, diagnostic in ipairs(vim.diagnostic.get(0)) do
    if code_of(diagnostic) == code then
      return diagnostic
    end
  end
  return nil
end

if not vim.wait(30000, function() return find('LL000') ~= nil end, 50) then
  say('no LL000 diagnostic arrived; saw: ' .. table.concat(codes(), ' '))
  return finish()
end
say('before: ' .. table.concat(codes(), ' '))

local wrong = find('LL000')
vim.api.nvim_win_set_cursor(0, { wrong.lnum + 1, wrong.col })
local params = vim.lsp.util.make_range_params()
params.context = { diagnostics = {} }
local answers = vim.lsp.buf_request_sync(0, 'textDocument/codeAction', params, 10000) or {}
local chosen = nil
for _, answer in pairs(answers) do
  for _, action in ipairs(answer.result or {}) do
    say('action: ' .. action.title)
    if action.title == 'LL000: write `closed`' then
      chosen = action
    end
  end
end
if not chosen then
  say('no quick fix offered')
  return finish()
end
vim.lsp.util.apply_workspace_edit(chosen.edit, 'utf-16')

if not vim.wait(30000, function() return find('LL000') == nil end, 50) then
  say('the LL000 diagnostic stayed')
  return finish()
end
say('after: ' .. table.concat(codes(), ' '))
say('line: ' .. vim.api.nvim_buf_get_lines(0, wrong.lnum, wrong.lnum + 1, false)[1])
finish()
