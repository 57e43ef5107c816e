-- lessons in Neovim's built-in LSP client (Neovim 0.7 or newer): findings as you type,
-- the rule's help on K (hover), quick fixes and "waive here" as code actions, completion
-- of field names and values.
--
-- Copy this file to ~/.config/nvim/lua/lessons.lua and put in init.lua:
--
--     require('lessons').setup()
--
-- or, with options: require('lessons').setup({ cmd = { 'lessons', 'server' },
-- init_options = { waived = 'show' } }).
--
-- A YAML, JSON or Markdown file under a folder holding `.lessons.yaml` (else a git
-- checkout) starts one server for that repository; every file of it shares the server.
local M = {}

local function root_of(path)
  local folder = vim.fn.fnamemodify(path, ':p:h')
  local config = vim.fn.findfile('.lessons.yaml', folder .. ';')
  if config ~= '' then
    return vim.fn.fnamemodify(config, ':p:h')
  end
  local git = vim.fn.finddir('.git', folder .. ';')
  if git ~= '' then
    return vim.fn.fnamemodify(git, ':p:h:h')
  end
  return nil
end

function M.setup(options)
  options = options or {}
  local started = {}
  vim.api.nvim_create_autocmd('FileType', {
    pattern = { 'yaml', 'markdown', 'json' },
    callback = function(event)
      local root = root_of(vim.api.nvim_buf_get_name(event.buf))
      if not root then
        return
      end
      local config = {
        name = 'lessons',
        cmd = options.cmd or { 'lessons', 'server' },
        root_dir = root,
        init_options = options.init_options,
      }
      if vim.lsp.start then
        -- Neovim 0.8 and newer: one client per name and root, reused.
        vim.lsp.start(config, { bufnr = event.buf })
        return
      end
      local id = started[root]
      if not id or not vim.lsp.get_client_by_id(id) then
        id = vim.lsp.start_client(config)
        started[root] = id
      end
      vim.lsp.buf_attach_client(event.buf, id)
    end,
  })
end

return M
